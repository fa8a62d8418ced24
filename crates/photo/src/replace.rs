//! Background replacement: the person stays exactly as photographed, the
//! backdrop becomes one of the standard's colours.
//!
//! A phone photo taken at home fails mostly on the backdrop: a cluttered
//! room, an off-white wall under warm light, a shadow. The standard allows
//! replacing the backdrop's colour (never touching the person) where the
//! person's outline is sure. So:
//! 1. MediaPipe's selfie segmenter gives a coarse person mask (256×256);
//! 2. a guided filter refines it at the photo's resolution, using the photo
//!    itself as the guide, so the edge follows hair and shoulders
//!    (`replace/matte.rs`);
//! 3. the edge's opacity is read again from its colours, as a mix of the
//!    person's rim and the wall beside it (`replace/unmix.rs`);
//! 4. the outline is judged: where person and backdrop are too alike, the
//!    edge is wide and unsure, or the wall beside the head is too busy for
//!    its mix to be read, the photo is refused with retake advice rather
//!    than given a cut-out look, lost hair or a rim of the old wall;
//! 5. each edge pixel's colour is separated from the old backdrop's (estimated
//!    locally) before the new colour is mixed in, so no fringe of the old
//!    backdrop is left around the head;
//! 6. the result is segmented as the check will read it, and refused if the
//!    person joins the new backdrop.

mod matte;
mod unmix;

pub use matte::{box_mean, matte};
pub(crate) use matte::{segment, SIDE};

use crate::colour::{delta_e76, lab, Lab};
use crate::face::models::Models;
use crate::face::{Face, ModelError};
use crate::measure::segment::{Label, Segmentation};
use crate::raster::Rgb;
use crate::report::{Code, Finding};
use matte::{taps, taps_at};
use unmix::{unmix, Sums, LOCAL};

/// A pixel this sure is person (or backdrop, below `1 - SURE`).
const SURE: f32 = 0.95;
/// Above this opacity a pixel is the person's alone and is copied untouched.
const OPAQUE: f32 = 0.995;
/// Least colour difference (CIE76) between the person just inside the outline
/// and the backdrop just outside it, in the worst part of the head's outline.
/// Below this, hair against a similar backdrop cannot be separated. Above it
/// the halo is not bounded: on walls made from a sample's hair colour,
/// contrasts of 12.0 and 23.3 left halos of 17 and 8.4 (the limit is 8), while
/// a beige wall beside the cheeks measured 19.1 and 23.5 with halos of 3.2
/// and 4.3. No contrast limit separates the two (`docs/benchmarks.md`).
pub const MIN_EDGE_CONTRAST: f32 = 12.0;
/// Widest unsure band around the head, as a share of the face's width: wider
/// means the segmenter could not tell where the person ends.
pub const MAX_EDGE_BAND: f32 = 0.08;
/// Most texture of the wall beside the head (`unmix::Unmixed::texture`):
/// past it, the edge's mix of person and wall cannot be read. Real hair in
/// front of a cluttered room measures 0.26–0.82 and, replaced, left halos of
/// 17–49; in front of plain walls at most 0.13. Of the real capture-scale
/// backdrops, a blurred lake behind the hair (0.14) replaced cleanly, and a
/// red awning and a ceiling beside a bun (0.20) left a smear
/// (`docs/benchmarks.md`, "Background replacement on real hair").
pub const MAX_BACKDROP_TEXTURE: f32 = 0.16;

/// Most of the person (sure in the matte) that the check's own
/// segmentation of the replaced photo may take for backdrop; past it the
/// replacement is refused. Clothing or hair
/// of the new backdrop's colour joins it there, and the check then reads the
/// rest of the person as clutter or a shadow: a white collar against a white
/// backdrop. Every clean replacement measured reads 0: the four sample
/// portraits and the seven replacements of real portraits that `fix` keeps
/// (`tests/real_replace.rs`), in each of the three colours. A white collar
/// touching the outline reads 5.4 % on white and on light grey (`lfw063`),
/// a white shirt 22 % on white (`tests/replace.rs`).
pub const MAX_PERSON_TAKEN_FOR_BACKDROP: f32 = 0.02;

/// Why the backdrop was not replaced.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Person and backdrop too alike somewhere around the head (CIE76).
    LowContrast(f32),
    /// The unsure band around the head is this wide (share of face width).
    UnsureEdge(f32),
    /// The backdrop beside the head varies this much (see
    /// [`MAX_BACKDROP_TEXTURE`]).
    BusyBackdrop(f32),
    /// This share of the person has the new backdrop's colour where it meets
    /// the outline (see [`MAX_PERSON_TAKEN_FOR_BACKDROP`]).
    LikeNewBackdrop(f32),
    Model(String),
}

impl Refusal {
    /// The retake advice, for a new backdrop called `colour` (e.g. “白色”).
    pub fn finding(&self, colour: &str) -> Finding {
        let f = Finding::new(Code::BackgroundUniform, "背景可自动替换");
        match self {
            Refusal::LowContrast(c) => f.text(format!("轮廓处人像与背景色差 {c:.0}")).fail(
                "背景不符合要求，且头发或衣服与背景颜色太接近，无法自动换背景：请在与头发、衣服颜色反差明显的浅色纯色墙前重拍",
            ),
            Refusal::UnsureEdge(b) => f.text(format!("轮廓不清晰（{:.0}%）", b * 100.0)).fail(
                "背景不符合要求，且人像轮廓不清晰，无法自动换背景：请在光线均匀处、浅色纯色墙前重拍",
            ),
            Refusal::BusyBackdrop(t) => f.text(format!("头部周围背景杂乱（{:.0}%）", t * 100.0)).fail(
                "背景不符合要求，且头部周围背景杂乱，无法分清头发与背景，不能自动换背景：请在浅色纯色墙前重拍",
            ),
            Refusal::LikeNewBackdrop(share) => f
                .text(format!("人像中与{colour}背景连成一片的部分 {:.0}%", share * 100.0))
                .fail(format!(
                    "背景不符合要求，且衣服或头发与{colour}背景颜色相近，换成{colour}背景后分不清轮廓：请穿与{colour}背景区分明显的衣服，在浅色纯色墙前重拍"
                )),
            Refusal::Model(e) => f.text("分析失败").fail(format!("自动换背景失败（{e}）：请在浅色纯色墙前重拍")),
        }
    }
}

/// The replaced image and how sure its outline was.
pub struct Replaced {
    pub img: Rgb,
    /// Worst person-to-backdrop contrast around the head (CIE76).
    pub edge_contrast: f32,
    /// Mean unsure band around the head, share of the face width.
    pub edge_band: f32,
    /// How much the backdrop varies beside the head (`unmix::Unmixed`).
    pub backdrop_texture: f32,
    /// The check's own segmentation of `img` (backdrop, person, clutter).
    pub seg: Segmentation,
}

/// The share of the person (sure in `alpha`, the matte on the image reduced
/// by `factor`) that `seg`, the check's segmentation of the replaced image,
/// takes for backdrop: clothing or hair of the new backdrop's colour, which
/// the check would then misread as clutter, a shadow or a lost head top.
fn person_taken_for_backdrop(
    alpha: &[f32],
    factor: u32,
    work_width: u32,
    seg: &Segmentation,
) -> f32 {
    let (mut person, mut taken) = (0usize, 0usize);
    let f = seg.factor as f32 / factor as f32;
    for (i, label) in seg.labels.iter().enumerate() {
        let (x, y) = (i as u32 % seg.width, i as u32 / seg.width);
        let (wx, wy) = (((x as f32 + 0.5) * f) as u32, ((y as f32 + 0.5) * f) as u32);
        if wx >= work_width {
            continue;
        }
        let k = wy as usize * work_width as usize + wx as usize;
        if alpha.get(k).is_some_and(|&a| a >= SURE) {
            person += 1;
            taken += usize::from(*label == Label::Background);
        }
    }
    taken as f32 / person.max(1) as f32
}

/// Longest side the matte is worked out at. A 12 MP capture is analysed at
/// about 750×1000; the delivered frame is 480×640, so a matte at about half
/// the analysed resolution (375×500) is still close to the frame's own
/// pixels, and costs a quarter.
pub const WORK_LONG_SIDE: u32 = 500;

/// The head, in the pixels of the image the matte is worked out on.
#[derive(Debug, Clone, Copy)]
struct Head {
    centre: (f32, f32),
    width: f32,
    chin: f32,
}

impl Head {
    fn of(face: &Face, factor: u32) -> Head {
        let f = factor as f32;
        Head {
            centre: (face.centre_x / f, (face.forehead.1 + face.chin.1) / 2.0 / f),
            width: face.face_width / f,
            chin: face.chin.1 / f,
        }
    }
}

/// The person's outline in a photo, worked out once: how sure it is, and
/// the matte a new backdrop is laid with.
pub struct Outline {
    work: Rgb,
    factor: u32,
    head: Head,
    /// The segmenter's matte, refined by the guided filter.
    matte: Vec<f32>,
    /// The same with its edge re-read from the colours (`unmix.rs`).
    alpha: Vec<f32>,
    /// Worst person-to-backdrop contrast around the head (CIE76).
    pub contrast: f32,
    /// Mean unsure band around the head, share of the face width.
    pub band: f32,
    /// How much the backdrop varies beside the head (`unmix::Unmixed`).
    pub texture: f32,
}

/// Works out the outline of the person whose `face` is in `img`.
pub fn outline(models: &Models, img: &Rgb, face: &Face) -> Result<Outline, ModelError> {
    // Whole reductions only, and none for an image already this small.
    let factor = (img.width.max(img.height) / WORK_LONG_SIDE).max(1);
    let work = img.reduce(factor);
    let head = Head::of(face, factor);
    let matte = matte(models, &work)?;
    let (contrast, band) = judge_edge(&work, &matte, head);
    let edge = unmix(&work, &matte, head.width, head.chin);
    Ok(Outline {
        work,
        factor,
        head,
        matte,
        alpha: edge.alpha,
        contrast,
        band,
        texture: edge.texture,
    })
}

impl Outline {
    /// Why no new backdrop may be laid along this outline, if none may.
    pub fn refusal(&self) -> Option<Refusal> {
        if self.contrast < MIN_EDGE_CONTRAST {
            Some(Refusal::LowContrast(self.contrast))
        } else if self.band > MAX_EDGE_BAND {
            Some(Refusal::UnsureEdge(self.band))
        } else if self.texture > MAX_BACKDROP_TEXTURE {
            Some(Refusal::BusyBackdrop(self.texture))
        } else {
            None
        }
    }

    /// `img`, the photo this outline was worked out on, with `colour`
    /// behind the person.
    pub fn composite(&self, img: &Rgb, colour: [u8; 3]) -> Rgb {
        debug_assert_eq!(
            (
                img.width.div_ceil(self.factor),
                img.height.div_ceil(self.factor)
            ),
            (self.work.width, self.work.height)
        );
        composite(img, &self.work, &self.alpha, self.head, colour)
    }
}

/// `img` with `colour` behind the person whose `face` is in it, unless the
/// outline is unsure or the result would not read as a plain backdrop.
pub fn replace(
    models: &Models,
    img: &Rgb,
    face: &Face,
    colour: [u8; 3],
) -> Result<Replaced, Refusal> {
    let o = outline(models, img, face).map_err(|e| Refusal::Model(e.to_string()))?;
    if let Some(why) = o.refusal() {
        return Err(why);
    }
    let img = o.composite(img, colour);
    let seg = crate::measure::segment::segment(&img, &crate::measure::segment::Head::of(face));
    let taken = person_taken_for_backdrop(&o.matte, o.factor, o.work.width, &seg);
    if taken > MAX_PERSON_TAKEN_FOR_BACKDROP {
        return Err(Refusal::LikeNewBackdrop(taken));
    }
    Ok(Replaced {
        img,
        edge_contrast: o.contrast,
        edge_band: o.band,
        backdrop_texture: o.texture,
        seg,
    })
}

/// Around the head (above the chin), in twelve sectors: the colour contrast
/// between sure person and sure backdrop next to the outline (the worst
/// sector counts), and the unsure band's mean width.
fn judge_edge(img: &Rgb, alpha: &[f32], head: Head) -> (f32, f32) {
    let (w, h) = (img.width as usize, img.height as usize);
    let ring = ((head.width * 0.04) as usize).max(2);
    let near = box_mean(alpha, w, h, ring);
    let centre = head.centre;
    let mut inside: [Vec<Lab>; 12] = Default::default();
    let mut outside: [Vec<Lab>; 12] = Default::default();
    let (mut unsure, mut outline) = (0usize, 0usize);
    let bottom = (head.chin.max(0.0) as usize).min(h);
    for y in 0..bottom {
        for x in 0..w {
            let k = y * w + x;
            let (a, n) = (alpha[k], near[k]);
            if a > 1.0 - SURE && a < SURE {
                unsure += 1;
            }
            if a >= 0.5 && (x + 1 < w && alpha[k + 1] < 0.5 || y + 1 < h && alpha[k + w] < 0.5) {
                outline += 1;
            }
            if n <= 1.0 - SURE || n >= SURE {
                continue;
            }
            let angle = (y as f32 - centre.1).atan2(x as f32 - centre.0);
            let sector =
                (((angle + std::f32::consts::PI) / std::f32::consts::TAU * 12.0) as usize).min(11);
            if a >= SURE {
                inside[sector].push(lab(img.at(x as u32, y as u32)));
            } else if a <= 1.0 - SURE {
                outside[sector].push(lab(img.at(x as u32, y as u32)));
            }
        }
    }
    let mean = |v: &[Lab]| {
        let n = v.len() as f32;
        Lab {
            l: v.iter().map(|c| c.l).sum::<f32>() / n,
            a: v.iter().map(|c| c.a).sum::<f32>() / n,
            b: v.iter().map(|c| c.b).sum::<f32>() / n,
        }
    };
    let enough = ring * 4;
    let contrast = inside
        .iter()
        .zip(&outside)
        .filter(|(i, o)| i.len() >= enough && o.len() >= enough)
        .map(|(i, o)| delta_e76(mean(i), mean(o)))
        .fold(f32::MAX, f32::min);
    let band = unsure as f32 / outline.max(1) as f32 / head.width.max(1.0);
    (if contrast == f32::MAX { 0.0 } else { contrast }, band)
}

/// New backdrop behind the person, at the full resolution of `img`; the
/// matte and the old backdrop's colour come from `work` (`img` reduced).
/// Each edge pixel's own colour is first freed of the old backdrop's share
/// (estimated from sure backdrop nearby), so the edge takes the new colour
/// instead of keeping a rim of the old.
fn composite(img: &Rgb, work: &Rgb, alpha: &[f32], head: Head, colour: [u8; 3]) -> Rgb {
    let (w, h) = (work.width as usize, work.height as usize);
    let r = ((head.width * LOCAL) as usize).max(4);
    // The old backdrop's colour near an edge pixel: the mean of the sure
    // backdrop in the box around it. Only edge pixels ask, so the sums are
    // kept as one summed-area table and read per pixel, not box-filtered
    // over the whole plane.
    let old = Sums::new(work, |k| alpha[k] <= 1.0 - SURE, false);
    let global = old.mean(0, 0, w, h).unwrap_or([255.0; 3]);
    let new = colour.map(f32::from);
    // Where the matte is read, worked out once per output column and row
    // instead of once per pixel (a 12 MP capture is analysed at 750×1000).
    let cols = taps(img.width as usize, w);
    let mut out = Rgb::new(img.width, img.height);
    for (y, row) in out
        .data
        .chunks_exact_mut(img.width as usize * 3)
        .enumerate()
    {
        let (y0, y1, ty) = taps_at(y, img.height as usize, h);
        let (top, bottom) = (&alpha[y0 * w..(y0 + 1) * w], &alpha[y1 * w..(y1 + 1) * w]);
        for (x, (dst, &(x0, x1, tx))) in row.chunks_exact_mut(3).zip(&cols).enumerate() {
            let corners = [top[x0], top[x1], bottom[x0], bottom[x1]];
            // Bilinear reading lies between its corners: when all four are
            // sure backdrop, or all opaque person, so is the pixel.
            if corners.iter().all(|&c| c <= 1.0 - SURE) {
                dst.copy_from_slice(&colour);
                continue;
            }
            let p = img.at(x as u32, y as u32);
            if corners.iter().all(|&c| c >= OPAQUE) {
                dst.copy_from_slice(&p);
                continue;
            }
            let a = (corners[0] * (1.0 - tx) + corners[1] * tx) * (1.0 - ty)
                + (corners[2] * (1.0 - tx) + corners[3] * tx) * ty;
            if a <= 1.0 - SURE {
                dst.copy_from_slice(&colour);
                continue;
            }
            if a >= OPAQUE {
                dst.copy_from_slice(&p);
                continue;
            }
            let (kx, ky) = (
                if tx < 0.5 { x0 } else { x1 },
                if ty < 0.5 { y0 } else { y1 },
            );
            let (bx0, by0) = (kx.saturating_sub(r), ky.saturating_sub(r));
            let (bx1, by1) = ((kx + r + 1).min(w), (ky + r + 1).min(h));
            // Fewer than 1 % sure backdrop in the box: too few to trust.
            let b = old
                .mean(bx0, by0, bx1, by1)
                .filter(|_| old.count(bx0, by0, bx1, by1) * 100 > (bx1 - bx0) * (by1 - by0))
                .unwrap_or(global);
            for c in 0..3 {
                let fg = ((f32::from(p[c]) - (1.0 - a) * b[c]) / a.max(0.1)).clamp(0.0, 255.0);
                dst[c] = (a * fg + (1.0 - a) * new[c]).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{judge_edge, Head, Refusal, MAX_EDGE_BAND, MIN_EDGE_CONTRAST};
    use crate::raster::Rgb;
    use crate::report::Outcome;

    #[test]
    fn every_refusal_of_a_replacement_is_retake_advice_in_chinese() {
        for (why, says) in [
            (Refusal::LowContrast(8.0), "颜色太接近"),
            (Refusal::UnsureEdge(0.12), "轮廓不清晰"),
            (Refusal::BusyBackdrop(0.4), "头部周围背景杂乱"),
            (
                Refusal::LikeNewBackdrop(0.05),
                "衣服或头发与白色背景颜色相近",
            ),
            (Refusal::Model("x".into()), "自动换背景失败"),
        ] {
            let f = why.finding("白色");
            assert_eq!(f.outcome, Outcome::Fail);
            assert!(
                f.advice.contains(says) && f.advice.contains("重拍"),
                "{f:?}"
            );
        }
    }

    /// A dark person left of x = 100, a light wall right of it, and a matte
    /// whose transition is `soft` pixels wide.
    fn edge(soft: f32, wall: [u8; 3]) -> (f32, f32) {
        let (w, h) = (200usize, 160usize);
        let img = Rgb::from_fn(w as u32, h as u32, |x, _| {
            if x < 100 {
                [60, 50, 45]
            } else {
                wall
            }
        });
        let alpha: Vec<f32> = (0..w * h)
            .map(|k| {
                let x = (k % w) as f32 + 0.5;
                (0.5 - (x - 100.0) / soft.max(1e-3)).clamp(0.0, 1.0)
            })
            .collect();
        let head = Head {
            centre: (60.0, 80.0),
            width: 100.0,
            chin: 150.0,
        };
        judge_edge(&img, &alpha, head)
    }

    #[test]
    fn a_sharp_outline_against_a_light_wall_is_sure() {
        let (contrast, band) = edge(2.0, [235, 235, 235]);
        assert!(contrast > MIN_EDGE_CONTRAST, "{contrast}");
        assert!(band < MAX_EDGE_BAND, "{band}");
    }

    #[test]
    fn a_wide_unsure_band_or_a_wall_like_the_hair_is_refused() {
        let (_, band) = edge(30.0, [235, 235, 235]);
        assert!(band > MAX_EDGE_BAND, "{band}");
        let (contrast, _) = edge(2.0, [66, 56, 50]);
        assert!(contrast < MIN_EDGE_CONTRAST, "{contrast}");
    }
}
