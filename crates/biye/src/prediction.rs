//! The graduation prediction as a service of the application: the pure audit
//! (`domain::audit`) fed from the database. Shared by `biye audit`, the form
//! printer and the web pages, so all three predict alike.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::AnyPool;

use crate::db::{self, transcripts};
use crate::domain::audit::{
    evaluate, explain, Audit, CompileError, CompiledPlan, Context, ExemptionRule, Facts,
    SubstitutionRule,
};
use crate::domain::plan::Plan;
use crate::domain::Batch;

#[derive(Debug, thiserror::Error)]
pub enum PredictionError {
    #[error("考生 {0} 不存在")]
    NoCandidate(String),
    #[error("找不到专业 {major}、主考学校 {school} 在 {date} 有效的考试计划")]
    NoPlan {
        major: String,
        school: String,
        date: jiff::civil::Date,
    },
    #[error("考试计划有误：{0}")]
    Plan(#[from] CompileError),
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
}

/// The batch's dates and the rules in force, as the audit needs them.
pub fn context(plans: &Plans, batch: &Batch, as_of: jiff::civil::DateTime) -> Context {
    Context {
        graduation_date: batch.graduation_date,
        prework_due: batch.prework_due,
        prior_education_due: batch.prior_education_due,
        prior_education_supplement_due: batch.prior_education_supplement_due,
        as_of,
        substitution_rules: plans.substitution_rules.clone(),
        exemption_rules: plans.exemption_rules.clone(),
    }
}

/// Every plan, compiled, with the lookups the audit needs, and the
/// substitution and exemption rules (imported like plans, and kept with them
/// so that a prediction reads neither table).
pub struct Plans {
    by_id: HashMap<i64, usize>,
    compiled: Vec<CompiledPlan>,
    substitution_rules: Vec<SubstitutionRule>,
    exemption_rules: Vec<ExemptionRule>,
}

impl Plans {
    pub async fn load(pool: &AnyPool) -> Result<Plans, PredictionError> {
        let mut by_id = HashMap::new();
        let mut compiled = Vec::new();
        for (id, plan) in db::plans::all(pool).await? {
            by_id.insert(id.0, compiled.len());
            compiled.push(CompiledPlan::compile(&plan)?);
        }
        let (substitution_rules, exemption_rules) = transcripts::rules(pool).await?;
        Ok(Plans {
            by_id,
            compiled,
            substitution_rules,
            exemption_rules,
        })
    }

    /// The plan applied under, or the newest version of the registered
    /// major's plan in force on the graduation date.
    pub fn choose(&self, s: &transcripts::Subject, ctx: &Context) -> Option<&CompiledPlan> {
        if let Some(id) = s.plan_id {
            return self.by_id.get(&id).map(|&i| &self.compiled[i]);
        }
        let in_force = |p: &Plan| {
            p.valid_from <= ctx.graduation_date
                && p.valid_to.is_none_or(|t| t >= ctx.graduation_date)
        };
        self.compiled
            .iter()
            .filter(|c| {
                let p = &c.plan;
                p.major_code.as_str() == s.major_code
                    && p.examining_school_code.as_str() == s.examining_school_code
                    && p.course_group == s.course_group
                    && in_force(p)
            })
            .max_by_key(|c| c.plan.version)
    }
}

/// The compiled plans and the rules, kept between requests: every prediction
/// page used to load and compile all plans from the database. Each use reads
/// the plans' generation (one key lookup; an import that changes a plan or a
/// rule sets a new one, whichever process imports) and reloads only when it
/// differs.
#[derive(Clone, Default)]
pub struct PlanCache(Arc<Mutex<Option<Generation>>>);

/// Plans as loaded, with the generation read just before loading them.
type Generation = (String, Arc<Plans>);

impl PlanCache {
    pub async fn get(&self, pool: &AnyPool) -> Result<Arc<Plans>, PredictionError> {
        // Read before loading: plans changed meanwhile carry a newer
        // generation than the one stored with them, so they reload next time.
        let generation = db::plans::generation(pool).await?;
        let cached = self.0.lock().ok().and_then(|c| c.clone());
        if let Some((g, plans)) = cached {
            if g == generation {
                return Ok(plans);
            }
        }
        let plans = Arc::new(Plans::load(pool).await?);
        if let Ok(mut c) = self.0.lock() {
            *c = Some((generation, plans.clone()));
        }
        Ok(plans)
    }

    /// Drops the kept plans: the next use loads them (as every request did
    /// before the cache; the benchmark compares the two).
    pub fn forget(&self) {
        if let Ok(mut c) = self.0.lock() {
            *c = None;
        }
    }
}

/// One candidate's prediction, with who they are and what it rests on.
pub struct Prediction {
    pub subject: transcripts::Subject,
    pub plan: CompiledPlan,
    pub facts: Facts,
    pub audit: Audit,
}

/// Predicts for one candidate: under the plan of their application in the
/// batch if there is one, else the plan of their registered major.
pub async fn predict(
    pool: &AnyPool,
    plans: &Plans,
    ctx: &Context,
    batch: &Batch,
    admission_no: &str,
) -> Result<Prediction, PredictionError> {
    let applicants = transcripts::Scope {
        applicants_of: Some(batch.code.to_string()),
        office: None,
    };
    let everyone = transcripts::Scope {
        applicants_of: None,
        office: None,
    };
    let mut subject = None;
    for scope in [applicants, everyone] {
        subject = transcripts::subject(pool, &scope, admission_no).await?;
        if subject.is_some() {
            break;
        }
    }
    let subject = subject.ok_or_else(|| PredictionError::NoCandidate(admission_no.to_owned()))?;
    let plan = plans
        .choose(&subject, ctx)
        .cloned()
        .ok_or_else(|| PredictionError::NoPlan {
            major: subject.major_code.clone(),
            school: subject.examining_school_code.clone(),
            date: ctx.graduation_date,
        })?;
    let facts = transcripts::facts(pool, subject.id).await?;
    let e = evaluate(&plan, &facts, ctx);
    let audit = explain(&plan, &facts, ctx, &e);
    Ok(Prediction {
        subject,
        plan,
        facts,
        audit,
    })
}
