//! The demo data set as audit input, straight from the generated records
//! (no database): how tests check that every demo candidate's prediction
//! matches its case, and how the audit benchmark gets 200,000 candidates.

use std::collections::HashMap;

use jiff::civil::DateTime;

use super::{Case, DataSet};
use crate::domain::audit::{
    CompiledPlan, Context, ExemptionRule, Facts, IssuedCertificate, Prework, PriorEducation,
    PriorStatus, Qualification, ScoreRow, SubstitutionRule, Violation,
};
use crate::interchange::{BatchRecord, PriorEducationStatus, Records, Verification};

/// One demo candidate ready to audit.
pub struct Subject {
    pub admission_no: String,
    pub case: Case,
    /// Index into [`Audits::plans`].
    pub plan: usize,
    pub facts: Facts,
}

pub struct Audits {
    pub plans: Vec<CompiledPlan>,
    pub context: Context,
    pub subjects: Vec<Subject>,
}

/// The batch's context from its record, at `as_of`.
pub fn context(batch: &BatchRecord, as_of: DateTime, data: &DataSet) -> Context {
    let mut ctx = Context {
        graduation_date: batch.graduation_date,
        prework_due: batch.prework_due,
        prior_education_due: batch.prior_education_due,
        prior_education_supplement_due: batch.prior_education_supplement_due,
        as_of,
        substitution_rules: Vec::new(),
        exemption_rules: Vec::new(),
    };
    for r in &data.files {
        match r {
            Records::SubstitutionRules(v) => {
                ctx.substitution_rules
                    .extend(v.iter().map(|s| SubstitutionRule {
                        old: s.old_codes.clone(),
                        new: s.new_code.clone(),
                        valid_from: s.valid_from,
                        valid_to: s.valid_to,
                    }))
            }
            Records::ExemptionRules(v) => {
                ctx.exemption_rules.extend(v.iter().map(|e| ExemptionRule {
                    certificate: e.certificate.clone(),
                    min_value: e.min_value,
                    courses: e.course_codes.clone(),
                }))
            }
            _ => {}
        }
    }
    ctx
}

/// Every generated candidate with its facts and plan.
pub fn audits(data: &DataSet, as_of: DateTime) -> Audits {
    let mut facts: HashMap<&str, Facts> = HashMap::new();
    let mut plans = Vec::new();
    let mut profiles = Vec::new();
    let mut batch = None;
    for r in &data.files {
        match r {
            Records::Batches(v) => batch = v.first(),
            Records::Plans(v) => {
                plans = v
                    .iter()
                    .filter_map(|p| CompiledPlan::compile(p).ok())
                    .collect()
            }
            Records::Candidates(v) => profiles = v.iter().collect(),
            Records::Scores(v) => {
                for s in v {
                    let Ok(mark) = s.mark() else { continue };
                    facts
                        .entry(s.admission_no.as_str())
                        .or_default()
                        .scores
                        .push(ScoreRow {
                            course: s.course_code.clone(),
                            course_name: s.course_name.clone(),
                            sitting: s.sitting,
                            obtained_by: s.obtained_by,
                            mark,
                            credits: s.credits,
                            status: s.status,
                            major: s.major_code.clone(),
                            school: s.examining_school_code.clone(),
                        });
                }
            }
            Records::Violations(v) => {
                for x in v {
                    facts
                        .entry(x.admission_no.as_str())
                        .or_default()
                        .violations
                        .push(Violation {
                            sitting: x.sitting,
                            description: x.description.clone(),
                            deferred_until: x.deferred_until,
                        });
                }
            }
            Records::PriorEducation(v) => {
                for p in v {
                    facts
                        .entry(p.admission_no.as_str())
                        .or_default()
                        .prior_education = Some(PriorEducation {
                        category: p.category.clone(),
                        pending_diploma: p.verification == Verification::PendingFreshGraduate,
                        medical_related: p.medical_related,
                        registered_at: p.registered_at,
                        status: match p.status {
                            PriorEducationStatus::Registered => PriorStatus::Registered,
                            PriorEducationStatus::Verified => PriorStatus::Verified,
                            PriorEducationStatus::Rejected => PriorStatus::Rejected,
                        },
                    });
                }
            }
            Records::Qualifications(v) => {
                for q in v {
                    facts
                        .entry(q.admission_no.as_str())
                        .or_default()
                        .qualifications
                        .push(Qualification {
                            kind: q.kind.clone(),
                            title: q.title.clone(),
                            value: q.value,
                            valid_until: q.valid_until,
                        });
                }
            }
            Records::Certificates(v) => {
                for c in v {
                    facts
                        .entry(c.admission_no.as_str())
                        .or_default()
                        .certificates
                        .push(IssuedCertificate {
                            certificate_no: c.certificate_no.clone(),
                            major: c.major_code.clone(),
                            level: c.level,
                            issued_on: c.issued_on,
                            courses_used: c.courses_used.clone(),
                        });
                }
            }
            Records::Prework(v) => {
                for p in v {
                    facts
                        .entry(p.admission_no.as_str())
                        .or_default()
                        .prework
                        .push(Prework {
                            kind: p.kind,
                            status: p.status,
                            requested_at: p.requested_at,
                            completed_at: p.completed_at,
                            courses: p.course_codes.clone(),
                            certificate: p.certificate.clone(),
                        });
                }
            }
            _ => {}
        }
    }
    let cases: HashMap<&str, Case> = data.cases.iter().map(|(a, c)| (a.as_str(), *c)).collect();
    let subjects = profiles
        .iter()
        .filter_map(|p| {
            let a = p.admission_no.as_str();
            let plan = plans
                .iter()
                .position(|c| Some(&c.plan.major_code) == p.major_code.as_ref())?;
            Some(Subject {
                admission_no: a.to_owned(),
                case: *cases.get(a)?,
                plan,
                facts: facts.remove(a).unwrap_or_default(),
            })
        })
        .collect();
    let context = match batch {
        Some(b) => context(b, as_of, data),
        None => context(&super::batch(), as_of, data),
    };
    Audits {
        plans,
        context,
        subjects,
    }
}
