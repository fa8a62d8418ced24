//! 毕业预测: can this candidate graduate in this batch under this plan, and if
//! not, what exactly is missing? Pure: plan, facts and batch context in,
//! verdict out.
//!
//! Two layers. [`evaluate`] decides every condition without building any
//! text, fast enough for a whole batch (bulk audits); [`explain`] turns an
//! evaluation into the Chinese explanation a candidate reads and the JSON the
//! reviewer screen shows.

pub mod claims;
pub mod compiled;
pub mod evidence;
pub mod explain;
pub mod facts;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use compiled::{CompileError, CompiledPlan};
pub use explain::{explain, Audit, ConditionResult, CountedCourse};
pub use facts::*;

use claims::Claims;
use compiled::{Bits, Group};
use evidence::Resolved;

use crate::domain::plan::SpecialCondition;
use crate::domain::Level;

/// The notice's conditions (三、毕业申请必须具备的条件) and the procedural ones
/// (二、毕业办理前期工作), each with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    RequiredCourses,
    Electives,
    Supplementary,
    PracticalBinding,
    Violations,
    SpecialMajor,
    NotGraduated,
    MoralAssessment,
    PriorEducation,
    Prework,
}

impl Condition {
    pub const ALL: [Condition; 10] = [
        Condition::RequiredCourses,
        Condition::Electives,
        Condition::Supplementary,
        Condition::PracticalBinding,
        Condition::Violations,
        Condition::SpecialMajor,
        Condition::NotGraduated,
        Condition::MoralAssessment,
        Condition::PriorEducation,
        Condition::Prework,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Condition::RequiredCourses => "required_courses",
            Condition::Electives => "electives",
            Condition::Supplementary => "supplementary",
            Condition::PracticalBinding => "practical_binding",
            Condition::Violations => "violations",
            Condition::SpecialMajor => "special_major",
            Condition::NotGraduated => "not_graduated",
            Condition::MoralAssessment => "moral_assessment",
            Condition::PriorEducation => "prior_education",
            Condition::Prework => "prework",
        }
    }

    /// The notice's wording.
    pub fn title(self) -> &'static str {
        match self {
            Condition::RequiredCourses => "（一）必考课程成绩全部合格",
            Condition::Electives => "（二）选考课程达到最低学分或门数要求",
            Condition::Supplementary => "（三）本科加考课程达到所属类型的最低要求",
            Condition::PracticalBinding => "（四）实践环节、毕业论文与申请专业及主考学校一致",
            Condition::Violations => "（五）违规记录已达到推迟毕业的年限",
            Condition::SpecialMajor => "（六）符合专业的其他条件",
            Condition::NotGraduated => "（七）未办理过该专业的毕业证书",
            Condition::MoralAssessment => "（八）思想品德鉴定合格",
            Condition::PriorEducation => "本科前置学历已按期登记并查验通过",
            Condition::Prework => "转考、免考、考籍信息更正已按期办结",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Not decided yet: waiting for a review or a deadline.
    Pending,
    NotApplicable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every condition the system can decide is met (moral assessment is
    /// recorded at the on-site review).
    Graduates,
    /// Nothing fails, but something awaits a review or a deadline.
    Pending,
    NotYet,
}

/// An audit without text: which conditions failed or wait, and the claims.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub failed: u16,
    pub pending: u16,
    pub not_applicable: u16,
    pub resolved: Resolved,
    pub claims: Claims,
    /// Supplementary requirement root in use, if any.
    pub supplementary_root: Option<usize>,
    /// Medical-diploma courses had to be counted (食品营养与卫生).
    pub medical_counted: bool,
}

impl Evaluation {
    pub fn outcome(&self, c: Condition) -> Outcome {
        if self.failed & c.bit() != 0 {
            Outcome::Fail
        } else if self.pending & c.bit() != 0 {
            Outcome::Pending
        } else if self.not_applicable & c.bit() != 0 {
            Outcome::NotApplicable
        } else {
            Outcome::Pass
        }
    }

    pub fn verdict(&self) -> Verdict {
        if self.failed != 0 {
            Verdict::NotYet
        } else if self.pending & !Condition::MoralAssessment.bit() != 0 {
            Verdict::Pending
        } else {
            Verdict::Graduates
        }
    }

    pub fn failed_conditions(&self) -> impl Iterator<Item = Condition> + '_ {
        Condition::ALL
            .into_iter()
            .filter(|c| self.failed & c.bit() != 0)
    }
}

fn has_medical_diploma(facts: &Facts) -> bool {
    facts
        .prior_education
        .as_ref()
        .is_some_and(|p| p.medical_related)
        || facts
            .qualifications
            .iter()
            .any(|q| q.kind == "medical_diploma")
}

/// Decides every condition. Allocates a handful of small vectors.
pub fn evaluate(plan: &CompiledPlan, facts: &Facts, ctx: &Context) -> Evaluation {
    let resolved = evidence::resolve(plan, facts, ctx);
    let bachelor = plan.plan.level == Level::Bachelor;
    let supplementary_root = match (&facts.prior_education, bachelor) {
        (Some(p), true) => plan.supplementary.get(&p.category).copied(),
        _ => None,
    };
    let mut roots = vec![plan.root];
    roots.extend(supplementary_root);
    let diploma = has_medical_diploma(facts);
    let (claims, medical_counted) = if !plan.medical.is_empty() && !diploma {
        // Count the medical courses only when the plan cannot be met without them.
        let (c, ok) = claims::assign(plan, &roots, resolved.passed.minus(plan.medical));
        if ok {
            (c, false)
        } else {
            let (c, _) = claims::assign(plan, &roots, resolved.passed);
            let used = !c.claimed().and(plan.medical).is_empty();
            (c, used)
        }
    } else {
        (claims::assign(plan, &roots, resolved.passed).0, false)
    };

    let mut e = Evaluation {
        failed: 0,
        pending: 0,
        not_applicable: 0,
        resolved,
        claims,
        supplementary_root,
        medical_counted,
    };
    let by = &e.claims.by_node;
    let group_ok = |g: Group| {
        let mut any = false;
        let ok = plan
            .items
            .iter()
            .filter(|(_, gg, _)| *gg == g)
            .all(|(n, _, _)| {
                any = true;
                claims::satisfied(plan, *n, by)
            });
        (any, ok)
    };
    let (_, required_ok) = group_ok(Group::Required);
    let (has_electives, electives_ok) = group_ok(Group::Elective);
    let foreign_only = e.resolved.foreign.minus(e.resolved.passed);
    let outcomes = [
        (Condition::RequiredCourses, pass_if(required_ok)),
        (
            Condition::Electives,
            if has_electives {
                pass_if(electives_ok)
            } else {
                Outcome::NotApplicable
            },
        ),
        (
            Condition::Supplementary,
            supplementary(plan, facts, &e, bachelor),
        ),
        (
            Condition::PracticalBinding,
            pass_if(foreign_only.is_empty()),
        ),
        (
            Condition::Violations,
            pass_if(
                facts
                    .violations
                    .iter()
                    .all(|v| v.deferred_until <= ctx.graduation_date),
            ),
        ),
        (
            Condition::SpecialMajor,
            special(plan, facts, ctx, medical_counted, diploma),
        ),
        (
            Condition::NotGraduated,
            pass_if(
                !facts
                    .certificates
                    .iter()
                    .any(|c| c.major == plan.plan.major_code && c.level == plan.plan.level),
            ),
        ),
        (Condition::MoralAssessment, Outcome::Pending),
        (
            Condition::PriorEducation,
            prior_education(facts, ctx, bachelor),
        ),
        (Condition::Prework, prework(facts, ctx)),
    ];
    for (c, o) in outcomes {
        match o {
            Outcome::Fail => e.failed |= c.bit(),
            Outcome::Pending => e.pending |= c.bit(),
            Outcome::NotApplicable => e.not_applicable |= c.bit(),
            Outcome::Pass => {}
        }
    }
    e
}

fn pass_if(ok: bool) -> Outcome {
    if ok {
        Outcome::Pass
    } else {
        Outcome::Fail
    }
}

fn supplementary(plan: &CompiledPlan, facts: &Facts, e: &Evaluation, bachelor: bool) -> Outcome {
    if !bachelor || plan.supplementary.is_empty() {
        return Outcome::NotApplicable;
    }
    match (&facts.prior_education, e.supplementary_root) {
        (None, _) => Outcome::Fail,
        (Some(_), None) => Outcome::Pass,
        (Some(_), Some(root)) => pass_if(claims::satisfied(plan, root, &e.claims.by_node)),
    }
}

fn special(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    medical_counted: bool,
    diploma: bool,
) -> Outcome {
    let has = |kind: &str, f: &dyn Fn(&Qualification) -> bool| {
        facts.qualifications.iter().any(|q| q.kind == kind && f(q))
    };
    match &plan.plan.special {
        None => Outcome::NotApplicable,
        Some(SpecialCondition::VocationalCertificates { trade }) => {
            let trade = trade.trim_end_matches('类');
            pass_if(
                has("vocational_senior", &|q| q.title.contains(trade))
                    && has("technical_school", &|_| true),
            )
        }
        Some(SpecialCondition::PracticeLicence) => pass_if(has("practice_licence", &|q| {
            q.title.contains("执业") && q.valid_until.is_none_or(|d| d >= ctx.graduation_date)
        })),
        Some(SpecialCondition::MedicalDiplomaFor { .. }) => pass_if(!medical_counted || diploma),
    }
}

fn prior_education(facts: &Facts, ctx: &Context, bachelor: bool) -> Outcome {
    if !bachelor {
        return Outcome::NotApplicable;
    }
    let Some(p) = &facts.prior_education else {
        return Outcome::Fail;
    };
    if p.registered_at >= ctx.prior_education_due || p.status == PriorStatus::Rejected {
        return Outcome::Fail;
    }
    if p.pending_diploma {
        return if ctx.as_of < ctx.prior_education_supplement_due {
            Outcome::Pending
        } else {
            Outcome::Fail
        };
    }
    match p.status {
        PriorStatus::Verified => Outcome::Pass,
        _ => Outcome::Pending,
    }
}

fn prework(facts: &Facts, ctx: &Context) -> Outcome {
    let mut out = Outcome::Pass;
    for p in &facts.prework {
        match (p.status, p.completed_at) {
            (PreworkStatus::Rejected, _) => {}
            (_, Some(done)) if done >= ctx.prework_due => return Outcome::Fail,
            (PreworkStatus::Requested, _) => {
                if ctx.as_of >= ctx.prework_due {
                    return Outcome::Fail;
                }
                out = Outcome::Pending;
            }
            _ => {}
        }
    }
    out
}

/// Courses claimed by the evaluation, as a set.
pub fn counted(e: &Evaluation) -> Bits {
    e.claims.claimed()
}
