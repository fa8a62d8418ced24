//! Which plan courses a transcript covers, and by what: a passing score row,
//! an approved exemption (with the rest of its certificate's theory/practical
//! pair), or a substitution rule whose old courses are all passed and were
//! not already used by an earlier graduation.

use super::compiled::{code_number, Bits, CompiledPlan};
use super::facts::{Context, Facts, PreworkKind, PreworkStatus};
use crate::domain::plan::CourseKind;
use crate::domain::score::{Grade, Mark, ObtainedBy};
use std::cmp::Reverse;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Index into `Facts::scores`.
    Row(usize),
    /// Index into `Facts::prework`.
    Exemption(usize),
    /// Index into `Context::substitution_rules`.
    Substitution(usize),
}

#[derive(Debug, Clone)]
pub struct Resolved {
    /// Plan courses covered, by index.
    pub passed: Bits,
    /// Per plan course, what covers it.
    pub source: Vec<Option<Source>>,
    /// Practicals and theses passed only under another major or school.
    pub foreign: Bits,
}

/// The first passing sitting is the one that counted. Within one sitting an
/// exam comes before an exemption, a substitution or a transfer, then the
/// better mark wins, and rows alike in all three go by the rest of the row,
/// so the choice never depends on the order rows arrive in. Every field of
/// a counting row (whose status is always valid) takes part: two that rank
/// equal are the same row.
fn rank(row: &super::facts::ScoreRow) -> impl Ord + '_ {
    (
        row.sitting,
        row.obtained_by as u8,
        Reverse(mark_level(row.mark)),
        Reverse(row.credits),
        row.major.as_ref().map(|m| m.as_str()),
        row.school.as_ref().map(|s| s.as_str()),
        row.course.as_str(),
        row.course_name.as_str(),
    )
}

/// A mark's place among all marks, higher better: a grade stands where the
/// scores it usually means begin (优秀 90, 良好 80, 中等 70, 合格 60), and a
/// score ranks above the grade it equals, since it says more. No two
/// different marks share a place.
fn mark_level(mark: Mark) -> (u8, bool) {
    match mark {
        Mark::Score(s) => (s, true),
        Mark::Grade(g) => (
            match g {
                Grade::Excellent => 90,
                Grade::Good => 80,
                Grade::Fair => 70,
                Grade::Pass => 60,
                Grade::Fail => 0,
            },
            false,
        ),
    }
}

fn better(facts: &Facts, current: Option<Source>, row: usize) -> bool {
    match current {
        None | Some(Source::Substitution(_)) => true,
        Some(Source::Row(old)) => rank(&facts.scores[row]) < rank(&facts.scores[old]),
        Some(Source::Exemption(_)) => false,
    }
}

pub fn resolve(plan: &CompiledPlan, facts: &Facts, ctx: &Context) -> Resolved {
    let n = plan.courses.len();
    let mut r = Resolved {
        passed: Bits::default(),
        source: vec![None; n],
        foreign: Bits::default(),
    };
    let major = plan.plan.major_code.as_str();
    let school = plan.plan.examining_school_code.as_str();
    for (k, row) in facts.scores.iter().enumerate() {
        if !row.counts() {
            continue;
        }
        let Some(i) = plan.index(code_number(row.course.as_str())) else {
            continue;
        };
        let bound = matches!(
            plan.courses[i].kind,
            CourseKind::Practical | CourseKind::Thesis
        );
        let elsewhere = row.obtained_by == ObtainedBy::Exam
            && (row.major.as_ref().is_some_and(|m| m.as_str() != major)
                || row.school.as_ref().is_some_and(|s| s.as_str() != school));
        if bound && elsewhere {
            r.foreign.insert(i);
            continue;
        }
        if better(facts, r.source[i], k) {
            r.source[i] = Some(Source::Row(k));
            r.passed.insert(i);
        }
    }
    for (k, p) in facts.prework.iter().enumerate() {
        let done = p.kind == PreworkKind::Exemption
            && p.status == PreworkStatus::Approved
            && p.completed_at.is_some_and(|at| at < ctx.prework_due);
        if !done {
            continue;
        }
        for i in exempted(plan, p, ctx).iter() {
            if r.source[i].is_none() || matches!(r.source[i], Some(Source::Substitution(_))) {
                r.source[i] = Some(Source::Exemption(k));
                r.passed.insert(i);
            }
        }
    }
    for (k, rule) in ctx.substitution_rules.iter().enumerate() {
        let Some(i) = plan.index_of(rule.new.as_str()) else {
            continue;
        };
        if r.passed.contains(i) || !substitution_applies(facts, ctx, k) {
            continue;
        }
        r.source[i] = Some(Source::Substitution(k));
        r.passed.insert(i);
    }
    r
}

/// Courses an approved exemption covers: those it names, plus the rest of
/// any rule for its certificate that shares a course with it (a computer
/// certificate exempts a theory course and its practical part together).
pub fn exempted(plan: &CompiledPlan, p: &super::facts::Prework, ctx: &Context) -> Bits {
    let mut out = Bits::default();
    for c in &p.courses {
        if let Some(i) = plan.index_of(c.as_str()) {
            out.insert(i);
        }
    }
    for rule in ctx
        .exemption_rules
        .iter()
        .filter(|r| r.certificate == p.certificate)
    {
        if rule.courses.iter().any(|c| p.courses.contains(c)) {
            for c in &rule.courses {
                if let Some(i) = plan.index_of(c.as_str()) {
                    out.insert(i);
                }
            }
        }
    }
    out
}

/// Why a substitution rule does not apply, if it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstitutionBlock {
    OutsideWindow,
    Missing(Vec<String>),
    AlreadyUsed(Vec<String>),
}

pub fn substitution_block(facts: &Facts, ctx: &Context, k: usize) -> Option<SubstitutionBlock> {
    let rule = &ctx.substitution_rules[k];
    let day = ctx.graduation_date;
    if day < rule.valid_from || rule.valid_to.is_some_and(|to| day > to) {
        return Some(SubstitutionBlock::OutsideWindow);
    }
    let missing: Vec<String> = rule
        .old
        .iter()
        .filter(|old| !facts.scores.iter().any(|s| s.counts() && &s.course == *old))
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        return Some(SubstitutionBlock::Missing(missing));
    }
    let used: Vec<String> = rule
        .old
        .iter()
        .filter(|old| {
            facts
                .certificates
                .iter()
                .any(|c| c.courses_used.contains(old))
        })
        .map(|c| c.to_string())
        .collect();
    (!used.is_empty()).then_some(SubstitutionBlock::AlreadyUsed(used))
}

fn substitution_applies(facts: &Facts, ctx: &Context, k: usize) -> bool {
    substitution_block(facts, ctx, k).is_none()
}

#[cfg(test)]
mod tests {
    use super::super::tests::row;
    use super::*;

    #[test]
    fn no_two_different_marks_share_a_place() {
        let mut marks: Vec<Mark> = (0..=100).map(Mark::Score).collect();
        marks.extend(Grade::ALL.map(Mark::Grade));
        for (i, a) in marks.iter().enumerate() {
            for b in &marks[i + 1..] {
                assert_ne!(mark_level(*a), mark_level(*b), "{a:?} {b:?}");
            }
        }
    }

    /// The case the order test found: 良好 and 99 in the same sitting ranked
    /// equal, and whichever row came first counted. Each pair's second row
    /// ranks strictly first, so the choice is the same in either order.
    #[test]
    fn a_tie_in_one_sitting_goes_to_the_same_row_in_either_order() {
        let at = |mark| row("00147", "202210", mark);
        let credits = |n| super::super::facts::ScoreRow {
            credits: Some(n),
            ..at(Mark::Score(80))
        };
        let pairs = [
            (at(Mark::Grade(Grade::Good)), at(Mark::Score(99))),
            (at(Mark::Grade(Grade::Excellent)), at(Mark::Score(90))),
            // Equal marks go to the larger credit.
            (credits(4), credits(6)),
        ];
        for (worse, better) in &pairs {
            assert!(rank(better) < rank(worse), "{better:?} {worse:?}");
        }
    }
}
