//! A small runtime for the two face models (detector and mesh). Both are
//! MobileNet-style stacks of a handful of operators, and a general runtime
//! spends most of their time outside the arithmetic: tract ran them at
//! 5–10 GFLOP/s. This one reads the same ONNX files, checks every shape once
//! at load, and runs the layers as blocked matrix products and per-channel
//! taps (`simd.rs`, AVX2 when the CPU has it) and plain loops. Any operator or attribute
//! it does not know is a load error, never a guess. The segmenter and the
//! face embedding stay on tract.

mod kernels;
mod simd;

use std::collections::HashMap;

use tract_onnx::pb::{AttributeProto, NodeProto, TensorProto};
use tract_onnx::prelude::Framework;

use super::models::ModelError;
use kernels::Conv;

/// One layer: what it computes, from which values, into which.
#[derive(Debug)]
struct Step {
    op: Op,
    inputs: Vec<usize>,
    output: usize,
}

#[derive(Debug)]
enum Op {
    Conv(Conv),
    Relu,
    Add,
    /// `min(x, c)`.
    Min(f32),
    /// `x × k[channel]`.
    MulChannel(Vec<f32>),
    PadChannels(usize, usize),
    MaxPool2,
    /// NCHW to NHWC (a transpose with permutation 0, 2, 3, 1).
    ChannelsLast,
    /// Same data, new shape.
    Reshape,
    /// Joined along an axis; `outer` is the product of the dimensions before it.
    Concat {
        outer: usize,
    },
}

/// A loaded network with its shapes resolved for one input shape.
#[derive(Debug)]
pub(crate) struct Net {
    input: usize,
    input_len: usize,
    steps: Vec<Step>,
    outputs: Vec<usize>,
    shapes: Vec<Vec<usize>>,
    /// The step after which each value is no longer read (outputs: never).
    last_use: Vec<usize>,
}

/// Constants of the graph: float weights and integer shapes.
struct Consts(HashMap<String, (Vec<usize>, Vec<f32>)>);

impl Consts {
    fn read(t: &TensorProto) -> Result<(Vec<usize>, Vec<f32>), ModelError> {
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
        if values.len() != dims.iter().product::<usize>() {
            return Err(bad(&t.name, "data does not fill its shape"));
        }
        Ok((dims, values))
    }

    fn get(&self, name: &str) -> Result<&(Vec<usize>, Vec<f32>), ModelError> {
        self.0.get(name).ok_or_else(|| bad(name, "not a constant"))
    }
}

fn bad(what: &str, why: &str) -> ModelError {
    ModelError::new(format!("{what}: {why}"))
}

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn ints(node: &NodeProto, name: &str) -> Option<Vec<usize>> {
    attr(node, name).map(|a| a.ints.iter().map(|&v| v.max(0) as usize).collect())
}

impl Net {
    /// Reads an ONNX model and resolves it for one NCHW input shape.
    pub fn load(bytes: &[u8], input_shape: [usize; 4]) -> Result<Net, ModelError> {
        let proto = tract_onnx::onnx()
            .proto_model_for_read(&mut &bytes[..])
            .map_err(|e| ModelError::new(format!("{e:#}")))?;
        let graph = proto.graph.ok_or_else(|| bad("model", "no graph"))?;
        let mut consts = HashMap::new();
        for t in &graph.initializer {
            consts.insert(t.name.clone(), Consts::read(t)?);
        }
        let consts = Consts(consts);
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut shapes = Vec::new();
        let inputs: Vec<_> = graph
            .input
            .iter()
            .filter(|i| !consts.0.contains_key(&i.name))
            .collect();
        let [input] = inputs.as_slice() else {
            return Err(bad("model", "expected one input"));
        };
        ids.insert(input.name.clone(), 0);
        shapes.push(input_shape.to_vec());
        if input_shape[0] != 1 {
            return Err(bad("model", "batch must be 1"));
        }
        let mut steps = Vec::new();
        for node in &graph.node {
            let values: Vec<usize> = node
                .input
                .iter()
                .filter_map(|name| ids.get(name).copied())
                .collect();
            let in_shapes: Vec<&Vec<usize>> = values.iter().map(|&v| &shapes[v]).collect();
            let (op, shape) = translate(node, &in_shapes, &consts)?;
            let [out_name] = node.output.as_slice() else {
                return Err(bad(&node.name, "expected one output"));
            };
            ids.insert(out_name.clone(), shapes.len());
            steps.push(Step {
                op,
                inputs: values,
                output: shapes.len(),
            });
            shapes.push(shape);
        }
        let outputs = graph
            .output
            .iter()
            .map(|o| {
                ids.get(&o.name)
                    .copied()
                    .ok_or_else(|| bad(&o.name, "no such value"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut last_use = vec![0; shapes.len()];
        for (i, s) in steps.iter().enumerate() {
            for &v in &s.inputs {
                last_use[v] = i;
            }
        }
        for &o in &outputs {
            last_use[o] = usize::MAX;
        }
        Ok(Net {
            input: 0,
            input_len: input_shape.iter().product(),
            steps,
            outputs,
            shapes,
            last_use,
        })
    }

    /// Runs the network on one NCHW input; the outputs in the model's order,
    /// flat.
    pub fn run(&self, input: Vec<f32>) -> Result<Vec<Vec<f32>>, ModelError> {
        if input.len() != self.input_len {
            return Err(bad("input", "wrong length"));
        }
        let mut values: Vec<Option<Vec<f32>>> = vec![None; self.shapes.len()];
        values[self.input] = Some(input);
        for (i, step) in self.steps.iter().enumerate() {
            let out = self.compute(i, step, &mut values)?;
            values[step.output] = Some(out);
            for &v in &step.inputs {
                if self.last_use[v] == i {
                    values[v] = None;
                }
            }
        }
        self.outputs
            .iter()
            .map(|&o| {
                values[o]
                    .clone()
                    .ok_or_else(|| bad("output", "not computed"))
            })
            .collect()
    }

    fn compute(
        &self,
        i: usize,
        step: &Step,
        values: &mut [Option<Vec<f32>>],
    ) -> Result<Vec<f32>, ModelError> {
        let missing = || bad("value", "read before it was computed");
        let shape = |k: usize| &self.shapes[step.inputs[k]];
        Ok(match &step.op {
            Op::Conv(conv) => {
                let s = shape(0);
                let x = values[step.inputs[0]].as_ref().ok_or_else(missing)?;
                conv.run(x, (s[2], s[3]))
            }
            Op::Relu => map(self.take(i, step, 0, values)?, |v| v.max(0.0)),
            Op::Min(c) => map(self.take(i, step, 0, values)?, |v| v.min(*c)),
            Op::MulChannel(k) => {
                let plane = shape(0)[2] * shape(0)[3];
                let mut x = self.take(i, step, 0, values)?;
                for (chunk, &k) in x.chunks_mut(plane.max(1)).zip(k.iter().cycle()) {
                    chunk.iter_mut().for_each(|v| *v *= k);
                }
                x
            }
            Op::Add => {
                let mut a = self.take(i, step, 0, values)?;
                let b = values[step.inputs[1]].as_ref().ok_or_else(missing)?;
                a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                a
            }
            Op::PadChannels(before, after) => {
                let s = shape(0);
                let x = values[step.inputs[0]].as_ref().ok_or_else(missing)?;
                kernels::pad_channels(x, *before, *after, s[2] * s[3])
            }
            Op::MaxPool2 => {
                let (s, o) = (shape(0), &self.shapes[step.output]);
                let x = values[step.inputs[0]].as_ref().ok_or_else(missing)?;
                kernels::max_pool_2x2(x, s[1], (s[2], s[3]), (o[2], o[3]))
            }
            Op::ChannelsLast => {
                let s = shape(0);
                let x = values[step.inputs[0]].as_ref().ok_or_else(missing)?;
                kernels::to_channels_last(x, s[1], s[2] * s[3])
            }
            Op::Reshape => self.take(i, step, 0, values)?,
            Op::Concat { outer } => {
                let parts: Vec<&Vec<f32>> = step
                    .inputs
                    .iter()
                    .map(|&v| values[v].as_ref().ok_or_else(missing))
                    .collect::<Result<_, _>>()?;
                let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
                for o in 0..*outer {
                    for p in &parts {
                        let chunk = p.len() / outer;
                        out.extend_from_slice(&p[o * chunk..(o + 1) * chunk]);
                    }
                }
                out
            }
        })
    }
}

impl Net {
    /// Input `k` of step `i`, moved out when this step is its last reader
    /// (so that element-wise layers work in place), copied otherwise.
    fn take(
        &self,
        i: usize,
        step: &Step,
        k: usize,
        values: &mut [Option<Vec<f32>>],
    ) -> Result<Vec<f32>, ModelError> {
        let missing = || bad("value", "read before it was computed");
        let v = *step.inputs.get(k).ok_or_else(missing)?;
        let slot = values.get_mut(v).ok_or_else(missing)?;
        if self.last_use[v] == i && step.inputs.iter().filter(|&&u| u == v).count() == 1 {
            slot.take().ok_or_else(missing)
        } else {
            slot.clone().ok_or_else(missing)
        }
    }
}

fn map(mut x: Vec<f32>, f: impl Fn(f32) -> f32) -> Vec<f32> {
    x.iter_mut().for_each(|v| *v = f(*v));
    x
}

/// One ONNX node as a step, with its output shape; anything outside what
/// the face models use is refused.
fn translate(
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
        "Relu" => Ok((Op::Relu, nchw(0)?.to_vec())),
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
    let conv = Conv {
        out_c,
        in_c: c,
        kernel: (kh, kw),
        stride: (stride[0], stride[1]),
        pads,
        group,
        weights: weights.clone(),
        bias,
    };
    let (oh, ow) = conv
        .out_size((h, w))
        .ok_or_else(|| bad(name, "kernel larger than its input"))?;
    Ok((Op::Conv(conv), vec![n, out_c, oh, ow]))
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
    let known: usize = shape.iter().product();
    if let Some(i) = infer {
        if known == 0 || total % known != 0 {
            return Err(bad(name, "shape does not divide"));
        }
        shape[i] = total / known;
    }
    if shape.iter().product::<usize>() != total {
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

#[cfg(test)]
mod tests;
