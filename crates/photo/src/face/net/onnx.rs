//! ONNX nodes to the runtime's steps. Each operator is read with every
//! attribute that could change its meaning; a value outside what the face
//! models use (a dilation, an `auto_pad`, a padding of the spatial axes…)
//! refuses the model at load rather than computing something else.

use std::collections::HashMap;

use tract_onnx::pb::{AttributeProto, NodeProto, TensorProto};

use super::kernels::Conv;
use super::simd::Packed;

/// Far above what the face models use (5×5 kernels, 1,404 output channels),
/// far below what would exhaust memory.
const MAX_KERNEL: usize = 16;
const MAX_CHANNELS: usize = 4096;
use super::{bad, Act, Op, Post};
use crate::face::models::ModelError;

/// Constants of the graph: float weights and integer shapes.
pub(super) struct Consts(pub HashMap<String, (Vec<usize>, Vec<f32>)>);

impl Consts {
    pub fn read(t: &TensorProto) -> Result<(Vec<usize>, Vec<f32>), ModelError> {
        let dims = t
            .dims
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| bad(&t.name, "negative dimension")))
            .collect::<Result<Vec<_>, _>>()?;
        let values: Vec<f32> = match t.data_type {
            1 if !t.float_data.is_empty() => t.float_data.clone(),
            1 => t
                .raw_data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            // int64 (shapes, pads): exact in f32 for the sizes a model uses.
            7 if !t.int64_data.is_empty() => t.int64_data.iter().map(|&v| v as f32).collect(),
            7 => t
                .raw_data
                .chunks_exact(8)
                .map(|b| {
                    i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
                })
                .collect(),
            other => return Err(bad(&t.name, &format!("data type {other}"))),
        };
        let size = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if size != Some(values.len()) {
            return Err(bad(&t.name, "data does not fill its shape"));
        }
        Ok((dims, values))
    }

    fn get(&self, name: &str) -> Result<&(Vec<usize>, Vec<f32>), ModelError> {
        self.0.get(name).ok_or_else(|| bad(name, "not a constant"))
    }
}

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn ints(node: &NodeProto, name: &str) -> Option<Vec<usize>> {
    attr(node, name).map(|a| a.ints.iter().map(|&v| v.max(0) as usize).collect())
}

/// One ONNX node as a step, with its output shape; anything outside what
/// the face models use is refused.
pub(super) fn translate(
    node: &NodeProto,
    inputs: &[&Vec<usize>],
    consts: &Consts,
) -> Result<(Op, Vec<usize>), ModelError> {
    let name = node.name.as_str();
    let nchw = |k: usize| -> Result<[usize; 4], ModelError> {
        inputs
            .get(k)
            .and_then(|s| <[usize; 4]>::try_from(s.as_slice()).ok())
            .ok_or_else(|| bad(name, "expected a 4-D input"))
    };
    match node.op_type.as_str() {
        "Conv" => conv(node, nchw(0)?, consts),
        "Relu" => Ok((Op::Act(Act::Relu), nchw(0)?.to_vec())),
        "Add" => {
            let (a, b) = (nchw(0)?, nchw(1)?);
            if a != b {
                return Err(bad(name, "Add of different shapes"));
            }
            Ok((Op::Add, a.to_vec()))
        }
        "Min" | "Mul" => {
            let x = nchw(0)?;
            let (_, k) = consts.get(node.input.get(1).map_or("", String::as_str))?;
            if node.op_type == "Min" {
                match k.as_slice() {
                    [c] => Ok((Op::Min(*c), x.to_vec())),
                    _ => Err(bad(name, "Min with more than one constant")),
                }
            } else if k.len() == x[1] || k.len() == 1 {
                Ok((Op::MulChannel(k.clone()), x.to_vec()))
            } else {
                Err(bad(
                    name,
                    "Mul by something other than one value per channel",
                ))
            }
        }
        "Pad" => pad(node, nchw(0)?, consts),
        "MaxPool" => max_pool(node, nchw(0)?),
        "Transpose" => {
            let [n, c, h, w] = nchw(0)?;
            match ints(node, "perm").as_deref() {
                Some([0, 2, 3, 1]) => Ok((Op::ChannelsLast, vec![n, h, w, c])),
                _ => Err(bad(name, "only the NCHW-to-NHWC transpose is supported")),
            }
        }
        "Reshape" => reshape(node, inputs, consts),
        "Concat" => concat(node, inputs),
        other => Err(bad(name, &format!("operator {other} is not supported"))),
    }
}

fn conv(
    node: &NodeProto,
    [n, c, h, w]: [usize; 4],
    consts: &Consts,
) -> Result<(Op, Vec<usize>), ModelError> {
    let name = node.name.as_str();
    let input = |k: usize| node.input.get(k).map_or("", String::as_str);
    let (wdims, weights) = consts.get(input(1))?;
    let [out_c, per_group, kh, kw] =
        <[usize; 4]>::try_from(wdims.as_slice()).map_err(|_| bad(name, "weights are not 4-D"))?;
    let bias = match node.input.get(2) {
        Some(b) if !b.is_empty() => consts.get(b)?.1.clone(),
        _ => vec![0.0; out_c],
    };
    let group = attr(node, "group").map_or(1, |a| a.i.max(0) as usize);
    let auto_pad = attr(node, "auto_pad").map_or(&b"NOTSET"[..], |a| &a.s[..]);
    let dilations = ints(node, "dilations").unwrap_or(vec![1, 1]);
    let stride = ints(node, "strides").unwrap_or(vec![1, 1]);
    let pads = ints(node, "pads").unwrap_or(vec![0; 4]);
    if out_c == 0 || c == 0 {
        return Err(bad(name, "a convolution without channels"));
    }
    let depthwise = group == c && out_c == c && per_group == 1;
    if !(group == 1 && per_group == c || depthwise)
        || auto_pad != b"NOTSET"
        || dilations != [1, 1]
        || bias.len() != out_c
        || ints(node, "kernel_shape").is_some_and(|k| k != [kh, kw])
    {
        return Err(bad(name, "convolution outside what this runtime supports"));
    }
    let (Ok(stride), Ok(pads)) = (<[usize; 2]>::try_from(stride), <[usize; 4]>::try_from(pads))
    else {
        return Err(bad(name, "strides or pads of the wrong length"));
    };
    // The models' kernels are at most 5 wide, with pads and strides no larger;
    // bounds keep a damaged file from asking for an absurd buffer.
    let small = |v: usize| v <= MAX_KERNEL;
    if ![kh, kw].into_iter().chain(stride).chain(pads).all(small) || stride.contains(&0) {
        return Err(bad(name, "kernel, stride or pads out of range"));
    }
    let conv = Conv {
        out_c,
        in_c: c,
        kernel: (kh, kw),
        stride: (stride[0], stride[1]),
        pads,
        group,
        packed: if group == 1 {
            Packed::new(weights, (out_c, c * kh * kw))
        } else {
            Packed::default()
        },
        weights: weights.clone(),
        bias,
    };
    let (oh, ow) = conv
        .out_size((h, w))
        .ok_or_else(|| bad(name, "kernel larger than its input"))?;
    Ok((Op::Conv(conv, Post::default()), vec![n, out_c, oh, ow]))
}

fn pad(
    node: &NodeProto,
    [n, c, h, w]: [usize; 4],
    consts: &Consts,
) -> Result<(Op, Vec<usize>), ModelError> {
    let name = node.name.as_str();
    let mode = attr(node, "mode").map_or(&b"constant"[..], |a| &a.s[..]);
    let pads: Vec<f32> = match node.input.get(1) {
        Some(p) => consts.get(p)?.1.clone(),
        None => ints(node, "pads")
            .unwrap_or_default()
            .iter()
            .map(|&v| v as f32)
            .collect(),
    };
    let value = match node.input.get(2) {
        Some(v) if !v.is_empty() => consts.get(v)?.1.first().copied().unwrap_or(0.0),
        _ => 0.0,
    };
    match pads.as_slice() {
        [0.0, before, 0.0, 0.0, 0.0, after, 0.0, 0.0]
            if mode == b"constant" && value == 0.0 && *before >= 0.0 && *after >= 0.0 =>
        {
            let (b, a) = (*before as usize, *after as usize);
            if c + b + a > MAX_CHANNELS {
                return Err(bad(name, "too many channels"));
            }
            Ok((Op::PadChannels(b, a), vec![n, c + b + a, h, w]))
        }
        _ => Err(bad(name, "only zero padding of channels is supported")),
    }
}

fn max_pool(node: &NodeProto, [n, c, h, w]: [usize; 4]) -> Result<(Op, Vec<usize>), ModelError> {
    let auto_pad = attr(node, "auto_pad").map_or(&b"NOTSET"[..], |a| &a.s[..]);
    let pads = ints(node, "pads").unwrap_or(vec![0; 4]);
    let plain = ints(node, "kernel_shape").as_deref() == Some(&[2, 2])
        && ints(node, "strides").as_deref() == Some(&[2, 2])
        && pads.iter().all(|&p| p == 0)
        && attr(node, "ceil_mode").is_none_or(|a| a.i == 0)
        && attr(node, "storage_order").is_none_or(|a| a.i == 0);
    let out = match auto_pad {
        b"SAME_UPPER" => (h.div_ceil(2), w.div_ceil(2)),
        b"VALID" | b"NOTSET" => (h / 2, w / 2),
        _ => return Err(bad(&node.name, "unsupported pooling padding")),
    };
    if !plain || out.0 == 0 || out.1 == 0 {
        return Err(bad(
            &node.name,
            "only 2×2 pooling with stride 2 is supported",
        ));
    }
    Ok((Op::MaxPool2, vec![n, c, out.0, out.1]))
}

fn reshape(
    node: &NodeProto,
    inputs: &[&Vec<usize>],
    consts: &Consts,
) -> Result<(Op, Vec<usize>), ModelError> {
    let name = node.name.as_str();
    let from = inputs.first().ok_or_else(|| bad(name, "no input"))?;
    let (_, target) = consts.get(node.input.get(1).map_or("", String::as_str))?;
    let total: usize = from.iter().product();
    let mut shape = Vec::new();
    let mut infer = None;
    for (i, &d) in target.iter().enumerate() {
        match d as i64 {
            0 => shape.push(
                *from
                    .get(i)
                    .ok_or_else(|| bad(name, "0 beyond the input's rank"))?,
            ),
            -1 if infer.is_none() => {
                infer = Some(i);
                shape.push(1);
            }
            d if d > 0 => shape.push(d as usize),
            _ => return Err(bad(name, "unsupported target shape")),
        }
    }
    let product = |s: &[usize]| s.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let known = product(&shape).ok_or_else(|| bad(name, "target shape too large"))?;
    if let Some(i) = infer {
        if known == 0 || total % known != 0 {
            return Err(bad(name, "shape does not divide"));
        }
        shape[i] = total / known;
    }
    if product(&shape) != Some(total) {
        return Err(bad(name, "reshape changes the size"));
    }
    Ok((Op::Reshape, shape))
}

fn concat(node: &NodeProto, inputs: &[&Vec<usize>]) -> Result<(Op, Vec<usize>), ModelError> {
    let name = node.name.as_str();
    let first = inputs.first().ok_or_else(|| bad(name, "no input"))?;
    let rank = first.len() as i64;
    let axis = attr(node, "axis").map_or(0, |a| a.i);
    let axis = if axis < 0 { axis + rank } else { axis };
    if inputs.len() != node.input.len() || !(0..rank).contains(&axis) {
        return Err(bad(name, "unsupported concatenation"));
    }
    let axis = axis as usize;
    let mut shape = (*first).clone();
    shape[axis] = 0;
    for s in inputs {
        let same = s.len() == first.len()
            && s.iter()
                .zip(first.iter())
                .enumerate()
                .all(|(i, (a, b))| i == axis || a == b);
        if !same {
            return Err(bad(name, "inputs of different shapes"));
        }
        shape[axis] += s[axis];
    }
    let outer = first[..axis].iter().product();
    Ok((Op::Concat { outer }, shape))
}
