//! The cascade's three nets (MTCNN's P-, R- and O-Net) and their weights,
//! read from `models/face_cascade.f32`: every array in the order the PyPI
//! package `mtcnn` 0.1.1 keeps them, as little-endian f32
//! (`scripts/cascade_weights.sh` writes and checks it). The nets were
//! trained on pictures transposed (Caffe in MATLAB), so their inputs are
//! tensors whose rows are the picture's columns.

use super::layers::{face_probability, max_pool, Conv, Dense, Tensor};
use crate::face::ModelError;

/// Reads the weights in order, each with the length its shape implies.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<Vec<f32>, ModelError> {
        let len = n * 4;
        if self.bytes.len() < len {
            return Err(ModelError::new("人脸级联模型权重不完整".into()));
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// A convolution; `prelu` when a per-channel slope follows its bias.
    fn conv(&mut self, k: usize, ins: usize, outs: usize, prelu: bool) -> Result<Conv, ModelError> {
        Ok(Conv {
            k,
            ins,
            outs,
            kernel: self.take(k * k * ins * outs)?,
            bias: self.take(outs)?,
            slopes: if prelu { Some(self.take(outs)?) } else { None },
        })
    }

    fn dense(&mut self, ins: usize, outs: usize, prelu: bool) -> Result<Dense, ModelError> {
        Ok(Dense {
            ins,
            outs,
            kernel: self.take(ins * outs)?,
            bias: self.take(outs)?,
            slopes: if prelu { Some(self.take(outs)?) } else { None },
        })
    }
}

/// The proposal net: fully convolutional, one cell per 2 pixels, each a
/// 12-pixel window.
#[derive(Debug)]
pub(super) struct PNet {
    convs: [Conv; 3],
    face: Conv,
    offsets: Conv,
}

/// The refining net (24×24) and the output net (48×48).
#[derive(Debug)]
pub(super) struct RNet {
    convs: [Conv; 3],
    hidden: Dense,
    face: Dense,
    offsets: Dense,
}

#[derive(Debug)]
pub(super) struct ONet {
    convs: [Conv; 4],
    hidden: Dense,
    face: Dense,
    offsets: Dense,
}

pub(super) fn load(bytes: &[u8]) -> Result<(PNet, RNet, ONet), ModelError> {
    let mut r = Reader { bytes };
    let p = PNet {
        convs: [
            r.conv(3, 3, 10, true)?,
            r.conv(3, 10, 16, true)?,
            r.conv(3, 16, 32, true)?,
        ],
        face: r.conv(1, 32, 2, false)?,
        offsets: r.conv(1, 32, 4, false)?,
    };
    let rn = RNet {
        convs: [
            r.conv(3, 3, 28, true)?,
            r.conv(3, 28, 48, true)?,
            r.conv(2, 48, 64, true)?,
        ],
        hidden: r.dense(3 * 3 * 64, 128, true)?,
        face: r.dense(128, 2, false)?,
        offsets: r.dense(128, 4, false)?,
    };
    let o = ONet {
        convs: [
            r.conv(3, 3, 32, true)?,
            r.conv(3, 32, 64, true)?,
            r.conv(3, 64, 64, true)?,
            r.conv(2, 64, 128, true)?,
        ],
        hidden: r.dense(3 * 3 * 128, 256, true)?,
        face: r.dense(256, 2, false)?,
        offsets: r.dense(256, 4, false)?,
    };
    // The landmarks' dense layer (256 × 10 and its bias) is the last array; not used.
    r.take(256 * 10 + 10)?;
    if !r.bytes.is_empty() {
        return Err(ModelError::new("人脸级联模型权重长度不符".into()));
    }
    Ok((p, rn, o))
}

impl PNet {
    /// `x` is a pyramid level, transposed, values scaled to about ±1. Per
    /// cell of the output (rows along the picture's x): the face probability
    /// and the box's four offsets.
    pub fn run(&self, x: &Tensor) -> Tensor {
        let [c1, c2, c3] = &self.convs;
        let x = c3.apply(&c2.apply(&max_pool(&c1.apply(x), 2, true)));
        let (face, offsets) = (self.face.apply(&x), self.offsets.apply(&x));
        let mut data = Vec::with_capacity(x.h * x.w * 5);
        for (f, o) in face.data.chunks_exact(2).zip(offsets.data.chunks_exact(4)) {
            data.push(face_probability(f));
            data.extend_from_slice(o);
        }
        Tensor {
            h: x.h,
            w: x.w,
            c: 5,
            data,
        }
    }
}

impl RNet {
    /// `x` is a 24×24 crop, transposed: the face probability and the offsets.
    pub fn run(&self, x: &Tensor) -> (f32, [f32; 4]) {
        let [c1, c2, c3] = &self.convs;
        let x = max_pool(&c1.apply(x), 3, true);
        let x = c3.apply(&max_pool(&c2.apply(&x), 3, false));
        head(&self.hidden, &self.face, &self.offsets, &x)
    }
}

impl ONet {
    /// `x` is a 48×48 crop, transposed.
    pub fn run(&self, x: &Tensor) -> (f32, [f32; 4]) {
        let [c1, c2, c3, c4] = &self.convs;
        let x = max_pool(&c1.apply(x), 3, true);
        let x = max_pool(&c2.apply(&x), 3, false);
        let x = c4.apply(&max_pool(&c3.apply(&x), 2, true));
        head(&self.hidden, &self.face, &self.offsets, &x)
    }
}

fn head(hidden: &Dense, face: &Dense, offsets: &Dense, x: &Tensor) -> (f32, [f32; 4]) {
    if x.data.len() != hidden.ins {
        return (0.0, [0.0; 4]);
    }
    let h = hidden.apply(&x.data);
    let o = offsets.apply(&h);
    (face_probability(&face.apply(&h)), [o[0], o[1], o[2], o[3]])
}
