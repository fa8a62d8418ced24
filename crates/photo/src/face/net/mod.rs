//! A small runtime for the two face models (detector and mesh). Both are
//! MobileNet-style stacks of a handful of operators, and a general runtime
//! spends most of their time outside the arithmetic: tract ran them at
//! 5–10 GFLOP/s. This one reads the same ONNX files, checks every shape once
//! at load, and runs the layers as blocked matrix products and per-channel
//! taps (`simd.rs`, AVX2 when the CPU has it) and plain loops. Any operator or attribute
//! it does not know is a load error, never a guess. The segmenter and the
//! face embedding stay on tract.

mod fuse;
mod kernels;
mod onnx;
mod simd;

pub(crate) use simd::clear_upper_state;

use std::collections::HashMap;

use tract_onnx::prelude::Framework;

use super::models::ModelError;
use kernels::Conv;
use onnx::{translate, Consts};

/// One layer: what it computes, from which values, into which.
#[derive(Debug)]
struct Step {
    op: Op,
    inputs: Vec<usize>,
    output: usize,
}

#[derive(Debug)]
enum Op {
    /// With what `fuse` folded into it.
    Conv(Conv, Post),
    /// An activation on its own, where no convolution could take it.
    Act(Act),
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

/// What a convolution's output goes through before anything reads it: the
/// residual branch (the step's second input) added, then an activation.
#[derive(Debug, Default)]
struct Post {
    residual: bool,
    act: Act,
}

#[derive(Debug, Default, Clone)]
enum Act {
    #[default]
    None,
    Relu,
    /// `x` where positive, `x × α[channel]` elsewhere.
    PRelu(Vec<f32>),
}

impl Act {
    fn apply(&self, x: &mut [f32], plane: usize) {
        for (c, chunk) in x.chunks_mut(plane.max(1)).enumerate() {
            self.apply_channel(c, chunk);
        }
    }

    /// Values of one channel (`c` picks PReLU's slope, cycling like `apply`).
    #[inline(always)]
    fn apply_channel(&self, c: usize, v: &mut [f32]) {
        match self {
            Act::None => {}
            Act::Relu => v.iter_mut().for_each(|v| *v = v.max(0.0)),
            Act::PRelu(alpha) => {
                let Some(&a) = alpha.get(c % alpha.len().max(1)) else {
                    return;
                };
                for v in v {
                    // What `Relu(v) + Min(v, 0) × α` computes: one of the terms is 0.
                    *v = if *v < 0.0 { *v * a } else { *v };
                }
            }
        }
    }
}

/// A convolution's `Post` as the kernels apply it: to each block of rows
/// while it is still in the first-level cache, instead of in passes over the
/// whole output.
/// The operations and their order are `Post`'s, so the bits are the same.
struct Finish<'a> {
    residual: Option<&'a [f32]>,
    act: &'a Act,
}

impl Finish<'_> {
    /// Nothing to add or apply (a convolution without `Post`).
    #[cfg(test)]
    const NONE: Finish<'static> = Finish {
        residual: None,
        act: &Act::None,
    };

    /// `v` is channel `c`'s outputs from flat index `at`.
    #[inline(always)]
    fn apply(&self, c: usize, at: usize, v: &mut [f32]) {
        if let Some(r) = self.residual.and_then(|r| r.get(at..at + v.len())) {
            v.iter_mut().zip(r).for_each(|(v, r)| *v += r);
        }
        self.act.apply_channel(c, v);
    }
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

fn bad(what: &str, why: &str) -> ModelError {
    ModelError::new(format!("{what}: {why}"))
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
            // Computed values in order; constants are read by `translate`, and
            // a name that is neither refuses the model.
            let mut values = Vec::new();
            for name in node.input.iter().filter(|n| !n.is_empty()) {
                match ids.get(name) {
                    Some(&v) => values.push(v),
                    None if consts.0.contains_key(name) => {}
                    None => return Err(bad(name, "read before it is computed")),
                }
            }
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
        let steps = fuse::fuse(steps, shapes.len(), &outputs);
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
            Op::Conv(conv, post) => {
                let s = shape(0);
                let x = values[step.inputs[0]].as_ref().ok_or_else(missing)?;
                let residual = if post.residual {
                    let r = step.inputs.get(1).and_then(|&v| values[v].as_deref());
                    Some(r.ok_or_else(missing)?)
                } else {
                    None
                };
                let finish = Finish {
                    residual,
                    act: &post.act,
                };
                conv.run(x, (s[2], s[3]), &finish)
            }
            Op::Act(act) => {
                let mut x = self.take(i, step, 0, values)?;
                act.apply(&mut x, shape(0)[2] * shape(0)[3]);
                x
            }
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

#[cfg(test)]
mod tests;
