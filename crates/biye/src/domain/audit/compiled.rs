//! A plan compiled for auditing many candidates quickly: courses by index,
//! course sets as 128-bit sets, the requirement tree as a flat node list.
//! Compiling costs microseconds; auditing against the result allocates
//! almost nothing.

use std::collections::BTreeMap;

use crate::domain::plan::{CourseFilter, CourseKind, Plan, Requirement, SpecialCondition};

/// A set of plan courses by index. Plans are limited to 128 courses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Bits(pub [u64; 2]);

pub const MAX_COURSES: usize = 128;

impl Bits {
    pub fn single(i: usize) -> Bits {
        let mut b = Bits::default();
        b.insert(i);
        b
    }
    pub fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    pub fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }
    pub fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    pub fn and(self, o: Bits) -> Bits {
        Bits([self.0[0] & o.0[0], self.0[1] & o.0[1]])
    }
    pub fn or(self, o: Bits) -> Bits {
        Bits([self.0[0] | o.0[0], self.0[1] | o.0[1]])
    }
    pub fn minus(self, o: Bits) -> Bits {
        Bits([self.0[0] & !o.0[0], self.0[1] & !o.0[1]])
    }
    pub fn is_empty(&self) -> bool {
        self.0 == [0, 0]
    }
    pub fn len(&self) -> u32 {
        self.0[0].count_ones() + self.0[1].count_ones()
    }
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..2).flat_map(move |w| {
            let mut word = self.0[w];
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let i = word.trailing_zeros() as usize;
                    word &= word - 1;
                    w * 64 + i
                })
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    All(Vec<usize>),
    Any(Vec<usize>),
    AtLeast(u16, Vec<usize>),
    /// A leaf: k credits of the courses in the set.
    Credits(u16, Bits),
    /// A leaf: k courses of the set.
    Count(u16, Bits),
    /// A leaf: this one course.
    Course(usize),
}

impl Node {
    pub fn is_leaf(&self) -> bool {
        matches!(self, Node::Credits(..) | Node::Count(..) | Node::Course(_))
    }
    /// The courses a leaf may claim.
    pub fn wants(&self) -> Bits {
        match self {
            Node::Credits(_, b) | Node::Count(_, b) => *b,
            Node::Course(i) => Bits::single(*i),
            _ => Bits::default(),
        }
    }
}

/// Which notice condition a top-level requirement speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Required,
    Elective,
    Supplementary,
}

#[derive(Debug, Clone)]
pub struct Course {
    /// The 5-digit code as a number, for binary search.
    pub code: u32,
    pub credits: u16,
    pub kind: CourseKind,
}

#[derive(Debug, Clone)]
pub struct CompiledPlan {
    pub plan: Plan,
    pub courses: Vec<Course>,
    /// (code, index) sorted by code.
    lookup: Vec<(u32, usize)>,
    pub nodes: Vec<Node>,
    pub root: usize,
    /// Top-level items of the root and the condition each belongs to, plus
    /// the label shown for it.
    pub items: Vec<(usize, Group, String)>,
    /// Supplementary requirement roots by prior-education category.
    pub supplementary: BTreeMap<String, usize>,
    /// Courses that need a medical diploma when counted (食品营养与卫生).
    pub medical: Bits,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("计划课程超过 {MAX_COURSES} 门，无法审核")]
    TooManyCourses,
}

pub fn code_number(code: &str) -> u32 {
    code.bytes().fold(0u32, |n, b| {
        n.wrapping_mul(10)
            .wrapping_add(u32::from(b.wrapping_sub(b'0')))
    })
}

impl CompiledPlan {
    pub fn compile(plan: &Plan) -> Result<CompiledPlan, CompileError> {
        if plan.courses.len() > MAX_COURSES {
            return Err(CompileError::TooManyCourses);
        }
        let courses: Vec<Course> = plan
            .courses
            .iter()
            .map(|c| Course {
                code: code_number(c.code.as_str()),
                credits: c.credits.unwrap_or(0),
                kind: c.kind,
            })
            .collect();
        let mut lookup: Vec<(u32, usize)> = courses
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code, i))
            .collect();
        lookup.sort_unstable();
        let mut out = CompiledPlan {
            plan: plan.clone(),
            courses,
            lookup,
            nodes: Vec::new(),
            root: 0,
            items: Vec::new(),
            supplementary: BTreeMap::new(),
            medical: Bits::default(),
        };
        out.root = out.add(&plan.requirement);
        let top: Vec<(usize, Option<String>)> = match &plan.requirement {
            Requirement::AllOf { items, .. } => {
                let kids = match &out.nodes[out.root] {
                    Node::All(k) => k.clone(),
                    _ => vec![out.root],
                };
                kids.into_iter().zip(items.iter().map(label_of)).collect()
            }
            other => vec![(out.root, label_of(other))],
        };
        out.items = top
            .into_iter()
            .map(|(n, label)| {
                let wants = out.all_wants(n);
                let elective = wants
                    .iter()
                    .any(|i| out.courses[i].kind == CourseKind::Elective);
                let group = if elective {
                    Group::Elective
                } else {
                    Group::Required
                };
                let label = label.unwrap_or_else(|| out.default_label(n));
                (n, group, label)
            })
            .collect();
        for (category, req) in &plan.supplementary {
            let root = out.add(req);
            out.supplementary.insert(category.clone(), root);
        }
        if let Some(SpecialCondition::MedicalDiplomaFor { courses }) = &plan.special {
            for c in courses {
                if let Some(i) = out.index_of(c.as_str()) {
                    out.medical.insert(i);
                }
            }
        }
        Ok(out)
    }

    pub fn index(&self, code: u32) -> Option<usize> {
        self.lookup
            .binary_search_by_key(&code, |(c, _)| *c)
            .ok()
            .map(|k| self.lookup[k].1)
    }

    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.index(code_number(code))
    }

    fn filter_bits(&self, f: &CourseFilter) -> Bits {
        let mut b = Bits::default();
        for (i, c) in self.plan.courses.iter().enumerate() {
            let kind_ok = f.kinds.is_empty() || f.kinds.contains(&c.kind);
            let code_ok = f.codes.is_empty() || f.codes.contains(&c.code);
            if kind_ok && code_ok {
                b.insert(i);
            }
        }
        b
    }

    fn add(&mut self, r: &Requirement) -> usize {
        let node = match r {
            Requirement::AllOf { items, .. } => {
                Node::All(items.iter().map(|i| self.add(i)).collect())
            }
            Requirement::AnyOf { items, .. } => {
                Node::Any(items.iter().map(|i| self.add(i)).collect())
            }
            Requirement::AtLeast { n, items, .. } => {
                Node::AtLeast(*n, items.iter().map(|i| self.add(i)).collect())
            }
            Requirement::MinCredits { k, filter, .. } => {
                Node::Credits(*k, self.filter_bits(filter))
            }
            Requirement::MinCount { k, filter, .. } => Node::Count(*k, self.filter_bits(filter)),
            // Plan::check guarantees named courses exist; an unknown one can never be met.
            Requirement::Course { code } => match self.index_of(code.as_str()) {
                Some(i) => Node::Course(i),
                None => Node::Count(1, Bits::default()),
            },
        };
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Every course any leaf under `n` may claim.
    pub fn all_wants(&self, n: usize) -> Bits {
        match &self.nodes[n] {
            Node::All(k) | Node::Any(k) | Node::AtLeast(_, k) => k
                .iter()
                .fold(Bits::default(), |b, &c| b.or(self.all_wants(c))),
            leaf => leaf.wants(),
        }
    }

    fn default_label(&self, n: usize) -> String {
        match &self.nodes[n] {
            Node::Course(i) => {
                let c = &self.plan.courses[*i];
                format!("{} {}", c.code, c.name)
            }
            Node::Credits(..) | Node::Count(..) => "选考课程".into(),
            _ => "课程要求".into(),
        }
    }
}

fn label_of(r: &Requirement) -> Option<String> {
    match r {
        Requirement::AllOf { label, .. }
        | Requirement::AnyOf { label, .. }
        | Requirement::AtLeast { label, .. }
        | Requirement::MinCredits { label, .. }
        | Requirement::MinCount { label, .. } => label.clone(),
        Requirement::Course { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_iterate_in_order_across_words() {
        let mut b = Bits::default();
        for i in [0, 5, 63, 64, 127] {
            b.insert(i);
        }
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![0, 5, 63, 64, 127]);
        assert_eq!(b.len(), 5);
        b.remove(63);
        assert!(!b.contains(63) && b.contains(64));
    }

    #[test]
    fn course_codes_become_numbers_that_sort_like_text() {
        assert_eq!(code_number("00054"), 54);
        assert_eq!(code_number("06999"), 6999);
        assert!(code_number("00988") < code_number("05747"));
    }
}
