//! Folds the element-wise layers after a convolution into it. Each layer of
//! the models is a convolution, often followed by the addition of a residual
//! branch and an activation; run one by one, those are three or more passes
//! over the output and as many buffers. Folded, the convolution's output gets
//! them in one pass while it is still in cache. The arithmetic and its order
//! are unchanged, so the outputs are the same bit for bit.

use super::{Act, Op, Post, Step};

pub(super) fn fuse(steps: Vec<Step>, values: usize, outputs: &[usize]) -> Vec<Step> {
    let mut steps: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    prelu(&mut steps, values, outputs);
    into_convolutions(&mut steps, values, outputs);
    steps.into_iter().flatten().collect()
}

/// How many steps (and graph outputs) read each value.
fn uses(steps: &[Option<Step>], values: usize, outputs: &[usize]) -> Vec<usize> {
    let mut uses = vec![0; values];
    for s in steps.iter().flatten() {
        for &v in &s.inputs {
            uses[v] += 1;
        }
    }
    for &o in outputs {
        uses[o] += 1;
    }
    uses
}

/// The step computing each value, and the (last) step reading it.
fn links(steps: &[Option<Step>], values: usize) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let (mut producer, mut consumer) = (vec![None; values], vec![None; values]);
    for (i, s) in steps.iter().enumerate() {
        if let Some(s) = s {
            producer[s.output] = Some(i);
            for &v in &s.inputs {
                consumer[v] = Some(i);
            }
        }
    }
    (producer, consumer)
}

/// `Relu(x) + Min(x, 0) × α`, the form the mesh's PReLU layers were rewritten
/// into for tract (`scripts/prelu_surgery.py`), back into one step.
fn prelu(steps: &mut [Option<Step>], values: usize, outputs: &[usize]) {
    let uses = uses(steps, values, outputs);
    let (producer, _) = links(steps, values);
    fn step<'a>(
        steps: &'a [Option<Step>],
        producer: &[Option<usize>],
        v: usize,
    ) -> Option<(usize, &'a Step)> {
        let i = producer[v]?;
        Some((i, steps[i].as_ref()?))
    }
    for i in 0..steps.len() {
        let Some(Step {
            op: Op::Add,
            inputs,
            output,
        }) = &steps[i]
        else {
            continue;
        };
        let (&[p, q], output) = (inputs.as_slice(), *output) else {
            continue;
        };
        let found = [(p, q), (q, p)].into_iter().find_map(|(relu, scaled)| {
            if uses[relu] != 1 || uses[scaled] != 1 {
                return None;
            }
            let (ir, r) = step(steps, &producer, relu)?;
            let (is, s) = step(steps, &producer, scaled)?;
            let (Op::Act(Act::Relu), Op::MulChannel(alpha)) = (&r.op, &s.op) else {
                return None;
            };
            let (x, negative) = (*r.inputs.first()?, *s.inputs.first()?);
            let (im, m) = step(steps, &producer, negative)?;
            let same_x = matches!(m.op, Op::Min(z) if z == 0.0) && m.inputs.first() == Some(&x);
            (same_x && uses[negative] == 1).then(|| (x, alpha.clone(), [ir, is, im]))
        });
        if let Some((x, alpha, folded)) = found {
            for f in folded {
                steps[f] = None;
            }
            steps[i] = Some(Step {
                op: Op::Act(Act::PRelu(alpha)),
                inputs: vec![x],
                output,
            });
        }
    }
}

/// A convolution whose output only an addition reads, and whose sum (or own
/// output) only an activation reads, becomes one step at the place of the
/// last of them, where every input it needs has been computed.
fn into_convolutions(steps: &mut [Option<Step>], values: usize, outputs: &[usize]) {
    let uses = uses(steps, values, outputs);
    let (_, consumer) = links(steps, values);
    for i in 0..steps.len() {
        let Some(Step {
            op: Op::Conv(_, post),
            output,
            ..
        }) = &steps[i]
        else {
            continue;
        };
        if post.residual || !matches!(post.act, Act::None) {
            continue;
        }
        let (mut out, mut at, mut folded) = (*output, i, Vec::new());
        let mut next = Post::default();
        let mut residual = None;
        let only_reader = |v: usize| (uses[v] == 1).then(|| consumer[v]).flatten();
        if let Some(j) = only_reader(out) {
            if let Some(Step {
                op: Op::Add,
                inputs,
                output,
            }) = &steps[j]
            {
                if let &[a, b] = inputs.as_slice() {
                    if a != b {
                        residual = Some(if a == out { b } else { a });
                        next.residual = true;
                        (out, at) = (*output, j);
                        folded.push(j);
                    }
                }
            }
        }
        if let Some(j) = only_reader(out) {
            if let Some(Step {
                op: Op::Act(act),
                output,
                ..
            }) = &steps[j]
            {
                next.act = act.clone();
                (out, at) = (*output, j);
                folded.push(j);
            }
        }
        if at == i {
            continue;
        }
        let Some(Step {
            op: Op::Conv(conv, _),
            mut inputs,
            ..
        }) = steps[i].take()
        else {
            continue;
        };
        inputs.truncate(1);
        inputs.extend(residual);
        for f in folded {
            steps[f] = None;
        }
        steps[at] = Some(Step {
            op: Op::Conv(conv, next),
            inputs,
            output: out,
        });
    }
}
