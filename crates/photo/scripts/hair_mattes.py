#!/usr/bin/env python3
"""Reference mattes of real hair for `tests/replace_hair.rs`.

The composed halo cases of `tests/replace.rs` soften a matte the segmenter
itself made, so the replacement finds their edge by construction, and none
holds a strand of hair. These reference mattes come from a method that reads
hair: Levin, Lischinski and Weiss's closed-form matting (pymatting), solved
inside the engine's own unsure band (eroded sure regions as the trimap), on
the capture-scale portraits of `tests/real/` whose backdrop is plain or
smoothly blurred beside the head. The foreground colours come from
pymatting's multilevel estimate. A test then puts each person, by its
reference matte, in front of new walls, and knows exactly what the
replacement should give.

Usage, from the repository root (under a minute once built):

    python3 -m venv /tmp/hair && /tmp/hair/bin/pip install pymatting==1.1.16 pillow
    /tmp/hair/bin/python crates/photo/scripts/hair_mattes.py

It writes `tests/real/hair/<stem>.alpha.png` (8-bit opacity) and
`<stem>.fg.jpg` (foreground colour, black where the opacity is 0).
"""

import pathlib
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from pymatting import estimate_alpha_cf, estimate_foreground_ml
from scipy.ndimage import binary_erosion

ROOT = pathlib.Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "real"
OUT = REAL / "hair"

# The capture-scale portraits whose reference matte holds only the person.
# Left out, after looking at every matte composed on magenta:
# cf-personE-img3 (sky glow and backdrop at the lower right join it),
# cf-personJ-img2 (the chains and the busy dark backdrop join it) and
# hu-stock-teen-7 (sunlit leaves beside the head join it).
STEMS = [
    "cf-personD-img1",
    "cf-personD-img2",
    "hu-stock-teen-1",
    "hu-stock-teen-2",
    "hu-stock-teen-3",
    "hu-stock-teen-4",
    "hu-stock-teen-5",
    "hu-stock-teen-6",
    "hu-stock-teen-8",
]

# Sure person or backdrop (the replacement's own `SURE`), eroded by this many
# pixels so that the band closed-form matting solves holds the whole edge.
SURE = 0.95
ERODE = 6


def erode(mask: np.ndarray) -> np.ndarray:
    # A 3×3 square, and nothing eroded from the picture's own edges.
    return binary_erosion(mask, structure=np.ones((3, 3)), iterations=ERODE, border_value=1)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        photos = [str(REAL / "images" / f"{s}.jpg") for s in STEMS]
        subprocess.run(
            ["cargo", "run", "-q", "--release", "-p", "photo", "--example", "matte_dump", "--", tmp, *photos],
            check=True,
            cwd=ROOT,
        )
        for stem in STEMS:
            img = np.asarray(Image.open(f"{tmp}/{stem}.ppm").convert("RGB"), dtype=np.float64) / 255
            matte = np.asarray(Image.open(f"{tmp}/{stem}.pgm"), dtype=np.float64) / 255
            trimap = np.full(matte.shape, 0.5)
            trimap[erode(matte >= SURE)] = 1.0
            trimap[erode(matte <= 1 - SURE)] = 0.0
            alpha = np.clip(estimate_alpha_cf(img, trimap), 0, 1)
            fg = np.clip(estimate_foreground_ml(img, alpha), 0, 1)
            fg[alpha <= 0] = 0
            a8 = np.round(alpha * 255).astype(np.uint8)
            Image.fromarray(a8).save(OUT / f"{stem}.alpha.png", optimize=True)
            # Lossy is enough: the test builds both the photo and its truth from it.
            fg8 = np.round(fg * 255).astype(np.uint8)
            Image.fromarray(fg8).save(OUT / f"{stem}.fg.jpg", quality=95, subsampling=0)
            print(f"{stem}: {img.shape[1]}×{img.shape[0]}, unknown band {np.mean(trimap == 0.5):.1%}", file=sys.stderr)


if __name__ == "__main__":
    main()
