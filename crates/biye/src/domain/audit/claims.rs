//! Evaluating a requirement tree when a score counts once: every leaf claims
//! courses, no course is claimed twice, and when courses could serve several
//! leaves the engine searches for the assignment that satisfies the tree.
//!
//! Most plans have no course wanted by two leaves, and then there is nothing
//! to search: each leaf takes what it wants. Contested courses are assigned by
//! exhaustive search up to [`SEARCH_LIMIT`] of them (far beyond any real
//! plan), then greedily.

use super::compiled::{Bits, CompiledPlan, Node};

const SEARCH_LIMIT: usize = 14;

/// What each leaf claimed, by node index (non-leaves hold empty sets).
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub by_node: Vec<Bits>,
}

impl Claims {
    pub fn claimed(&self) -> Bits {
        self.by_node.iter().fold(Bits::default(), |a, b| a.or(*b))
    }
}

/// Leaves under the given roots, in tree order.
fn leaves(plan: &CompiledPlan, roots: &[usize], out: &mut Vec<usize>) {
    for &n in roots {
        match &plan.nodes[n] {
            Node::All(k) | Node::Any(k) | Node::AtLeast(_, k) => leaves(plan, k, out),
            _ => out.push(n),
        }
    }
}

pub fn satisfied(plan: &CompiledPlan, n: usize, claims: &[Bits]) -> bool {
    match &plan.nodes[n] {
        Node::All(k) => k.iter().all(|&c| satisfied(plan, c, claims)),
        Node::Any(k) => k.iter().any(|&c| satisfied(plan, c, claims)),
        Node::AtLeast(m, k) => {
            k.iter().filter(|&&c| satisfied(plan, c, claims)).count() >= usize::from(*m)
        }
        Node::Credits(k, _) => credits(plan, claims[n]) >= u32::from(*k),
        Node::Count(k, _) => claims[n].len() >= u32::from(*k),
        Node::Course(i) => claims[n].contains(*i),
    }
}

pub fn credits(plan: &CompiledPlan, b: Bits) -> u32 {
    b.iter().map(|i| u32::from(plan.courses[i].credits)).sum()
}

/// How far a tree is from satisfied, for choosing the most helpful
/// assignment when none satisfies: satisfied nodes count, and credit leaves
/// count their progress.
fn progress(plan: &CompiledPlan, n: usize, claims: &[Bits]) -> f32 {
    match &plan.nodes[n] {
        Node::All(k) | Node::Any(k) | Node::AtLeast(_, k) => {
            k.iter().map(|&c| progress(plan, c, claims)).sum::<f32>()
                + f32::from(u8::from(satisfied(plan, n, claims)))
        }
        Node::Credits(k, _) => (credits(plan, claims[n]) as f32 / f32::from((*k).max(1))).min(1.0),
        Node::Count(k, _) => (claims[n].len() as f32 / f32::from((*k).max(1))).min(1.0),
        Node::Course(i) => f32::from(u8::from(claims[n].contains(*i))),
    }
}

/// Assigns `available` courses to the leaves under `roots` so that all roots
/// are satisfied if any assignment does that. Returns the claims and whether
/// every root is satisfied.
pub fn assign(plan: &CompiledPlan, roots: &[usize], available: Bits) -> (Claims, bool) {
    let mut leaf_ids = Vec::with_capacity(plan.nodes.len());
    leaves(plan, roots, &mut leaf_ids);
    let mut by_node = vec![Bits::default(); plan.nodes.len()];
    // Courses wanted by one leaf only go to it; the rest are contested.
    let mut seen = Bits::default();
    let mut twice = Bits::default();
    for &l in &leaf_ids {
        let w = plan.nodes[l].wants().and(available);
        twice = twice.or(seen.and(w));
        seen = seen.or(w);
    }
    for &l in &leaf_ids {
        by_node[l] = plan.nodes[l].wants().and(available).minus(twice);
    }
    let all_ok = |c: &[Bits]| roots.iter().all(|&r| satisfied(plan, r, c));
    if twice.is_empty() {
        let ok = all_ok(&by_node);
        return (Claims { by_node }, ok);
    }
    let contested: Vec<(usize, Vec<usize>)> = twice
        .iter()
        .map(|i| {
            (
                i,
                leaf_ids
                    .iter()
                    .copied()
                    .filter(|&l| plan.nodes[l].wants().contains(i))
                    .collect(),
            )
        })
        .collect();
    if contested.len() <= SEARCH_LIMIT {
        let mut best = (f32::MIN, by_node.clone());
        if search(plan, roots, &contested, 0, &mut by_node, &mut best) {
            return (Claims { by_node }, true);
        }
        return (Claims { by_node: best.1 }, false);
    }
    // Greedy: specific leaves (single courses) first, then the first wanting leaf.
    for (i, ls) in &contested {
        let pick = ls
            .iter()
            .copied()
            .find(|&l| matches!(plan.nodes[l], Node::Course(_)))
            .or_else(|| ls.first().copied());
        if let Some(l) = pick {
            by_node[l].insert(*i);
        }
    }
    let ok = all_ok(&by_node);
    (Claims { by_node }, ok)
}

/// Depth-first over contested courses; each goes to one of its leaves (or
/// stays unclaimed when no leaf needs it). Keeps the best partial in `best`.
fn search(
    plan: &CompiledPlan,
    roots: &[usize],
    contested: &[(usize, Vec<usize>)],
    at: usize,
    claims: &mut Vec<Bits>,
    best: &mut (f32, Vec<Bits>),
) -> bool {
    if at == contested.len() {
        if roots.iter().all(|&r| satisfied(plan, r, claims)) {
            return true;
        }
        let p: f32 = roots.iter().map(|&r| progress(plan, r, claims)).sum();
        if p > best.0 {
            *best = (p, claims.clone());
        }
        return false;
    }
    let (course, leaves) = &contested[at];
    for &l in leaves {
        claims[l].insert(*course);
        if search(plan, roots, contested, at + 1, claims, best) {
            return true;
        }
        claims[l].remove(*course);
    }
    false
}
