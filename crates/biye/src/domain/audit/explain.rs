//! The explanation a person reads: for every condition, passed or not, the
//! evidence and, when it fails, what is missing, in plain Chinese. The same
//! structure serialises to the JSON the reviewer screen and the form use.

use serde::Serialize;

use super::claims::{credits, satisfied};
use super::compiled::{Bits, CompiledPlan, Group, Node};
use super::evidence::{self, Source, SubstitutionBlock};
use super::facts::{Context, Facts, PreworkStatus};
use super::{Condition, Evaluation, Outcome, Verdict};
use crate::domain::plan::CourseKind;

mod other_conditions;
use other_conditions::{prior_text, special_text, supplementary_text};

/// One course the audit counted, as the registration form prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedCourse {
    pub code: String,
    pub name: String,
    pub credits: Option<u16>,
    /// 85, 合格 …; empty for an exemption or substitution without a mark.
    pub mark: String,
    /// YYYYMM, empty when not sat.
    pub sitting: String,
    /// 考试 / 免考 / 顶替 / 转入.
    pub obtained_by: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionResult {
    pub code: Condition,
    pub title: String,
    pub outcome: Outcome,
    /// One sentence.
    pub summary: String,
    /// Evidence and what is missing, one line each.
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audit {
    pub verdict: Verdict,
    pub summary: String,
    pub major: String,
    pub examining_school: String,
    pub conditions: Vec<ConditionResult>,
    pub counted: Vec<CountedCourse>,
    pub total_credits: u32,
}

impl Audit {
    pub fn condition(&self, c: Condition) -> Option<&ConditionResult> {
        self.conditions.iter().find(|r| r.code == c)
    }
}

fn course_line(plan: &CompiledPlan, i: usize) -> String {
    let c = &plan.plan.courses[i];
    match c.credits {
        Some(cr) => format!("{} {}（{cr} 学分）", c.code, c.name),
        None => format!("{} {}", c.code, c.name),
    }
}

fn evidence_line(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    i: usize,
    src: Option<Source>,
) -> String {
    let c = course_line(plan, i);
    match src {
        Some(Source::Row(k)) => {
            let r = &facts.scores[k];
            format!(
                "{c}：{} 年 {} 月{}，{}",
                r.sitting.year(),
                r.sitting.month(),
                r.obtained_by.label(),
                r.mark.label()
            )
        }
        Some(Source::Exemption(k)) => {
            let p = &facts.prework[k];
            format!(
                "{c}：免考（{}）",
                if p.certificate.is_empty() {
                    "已核准"
                } else {
                    &p.certificate
                }
            )
        }
        Some(Source::Substitution(k)) => {
            let old: Vec<String> = ctx.substitution_rules[k]
                .old
                .iter()
                .map(|c| c.to_string())
                .collect();
            format!("{c}：由 {} 顶替", old.join("、"))
        }
        None => c,
    }
}

/// Why a course the plan needs is not covered, from the transcript.
fn missing_line(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    e: &Evaluation,
    i: usize,
) -> String {
    let c = &plan.plan.courses[i];
    let line = course_line(plan, i);
    if e.resolved.foreign.contains(i) {
        return format!("{line}：合格成绩属于其他专业或主考学校，不能计入（见条件四）");
    }
    if e.resolved.passed.contains(i) {
        return format!("{line}：已合格，但已计入其他要求，不能重复使用");
    }
    let rows: Vec<_> = facts.scores.iter().filter(|r| r.course == c.code).collect();
    if let Some(last) = rows.iter().max_by_key(|r| {
        (
            r.sitting,
            r.status == crate::domain::score::ScoreStatus::Valid,
            r.mark.label(),
        )
    }) {
        let state = if last.status == crate::domain::score::ScoreStatus::Void {
            "成绩已作废".to_owned()
        } else {
            format!("成绩 {}，未合格", last.mark.label())
        };
        return format!(
            "{line}：最近一次 {} 年 {} 月{state}",
            last.sitting.year(),
            last.sitting.month()
        );
    }
    for (k, rule) in ctx
        .substitution_rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.new == c.code)
    {
        if let Some(SubstitutionBlock::AlreadyUsed(used)) =
            evidence::substitution_block(facts, ctx, k)
        {
            return format!(
                "{line}：可顶替的课程 {} 已用于办理过的毕业，不能再次顶替",
                used.join("、")
            );
        }
        let _ = rule;
    }
    format!("{line}：尚无成绩")
}

/// Lines describing one top-level requirement: what counted, what is missing.
fn item_details(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    e: &Evaluation,
    n: usize,
    label: &str,
    out: &mut Vec<String>,
) {
    let by = &e.claims.by_node;
    match &plan.nodes[n] {
        Node::Course(i) => {
            if by[n].contains(*i) {
                out.push(format!(
                    "✓ {}",
                    evidence_line(plan, facts, ctx, *i, e.resolved.source[*i])
                ));
            } else {
                out.push(format!("✗ {}", missing_line(plan, facts, ctx, e, *i)));
            }
        }
        Node::Credits(k, wants) => {
            let got = credits(plan, by[n]);
            let names: Vec<String> = by[n]
                .iter()
                .map(|i| plan.plan.courses[i].code.to_string())
                .collect();
            let counted = if names.is_empty() {
                String::new()
            } else {
                format!("（{}）", names.join("、"))
            };
            if got >= u32::from(*k) {
                out.push(format!("✓ {label}已获 {got} 学分{counted}，要求 {k} 学分"));
            } else {
                let options = options(plan, e, *wants);
                out.push(format!(
                    "✗ {label}已获 {got} 学分{counted}，还差 {} 学分；可选：{options}",
                    u32::from(*k) - got
                ));
            }
        }
        Node::Count(k, wants) => {
            let got = by[n].len();
            if got >= u32::from(*k) {
                out.push(format!("✓ {label}已通过 {got} 门，要求 {k} 门"));
            } else {
                let options = options(plan, e, *wants);
                out.push(format!(
                    "✗ {label}已通过 {got} 门，还差 {} 门；可选：{options}",
                    u32::from(*k) - got
                ));
            }
        }
        Node::All(kids) | Node::Any(kids) | Node::AtLeast(_, kids) => {
            let need = match &plan.nodes[n] {
                Node::All(_) => kids.len(),
                Node::Any(_) => 1,
                Node::AtLeast(m, _) => usize::from(*m),
                _ => 0,
            };
            let met = kids.iter().filter(|&&c| satisfied(plan, c, by)).count();
            if kids.len() > 1 && need < kids.len() {
                let mark = if met >= need { "✓" } else { "✗" };
                out.push(format!(
                    "{mark} {label}：须满足其中 {need} 项，已满足 {met} 项"
                ));
            }
            for &c in kids {
                let sub_label = match &plan.nodes[c] {
                    Node::Credits(..) | Node::Count(..) => label.to_owned(),
                    _ => String::new(),
                };
                item_details(plan, facts, ctx, e, c, &sub_label, out);
            }
        }
    }
}

/// Plan courses of a set not yet passed, with credits: what to take next.
fn options(plan: &CompiledPlan, e: &Evaluation, wants: Bits) -> String {
    let open: Vec<String> = wants
        .minus(e.resolved.passed)
        .iter()
        .map(|i| course_line(plan, i))
        .collect();
    if open.is_empty() {
        "计划内已无其他可选课程".into()
    } else {
        open.join("、")
    }
}

pub fn explain(plan: &CompiledPlan, facts: &Facts, ctx: &Context, e: &Evaluation) -> Audit {
    let mut conditions = Vec::new();
    for c in Condition::ALL {
        let outcome = e.outcome(c);
        let (summary, details) = describe(plan, facts, ctx, e, c, outcome);
        conditions.push(ConditionResult {
            code: c,
            title: c.title().into(),
            outcome,
            summary,
            details,
        });
    }
    let counted = counted_courses(plan, facts, ctx, e);
    let total_credits = counted
        .iter()
        .filter_map(|c| c.credits)
        .map(u32::from)
        .sum();
    let verdict = e.verdict();
    let failing: Vec<&str> = conditions
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.title.as_str())
        .collect();
    let waiting: Vec<&str> = conditions
        .iter()
        .filter(|c| c.outcome == Outcome::Pending && c.code != Condition::MoralAssessment)
        .map(|c| c.title.as_str())
        .collect();
    let summary = match verdict {
        Verdict::Graduates => format!("预测可以在本批次毕业：已计入 {} 门课程、{total_credits} 学分；思想品德鉴定在现场审核时确认。", counted.len()),
        Verdict::Pending => format!("目前没有不符合的条件，但以下事项尚待办结：{}。", waiting.join("；")),
        Verdict::NotYet => format!("本批次暂不能毕业，未满足：{}。", failing.join("；")),
    };
    Audit {
        verdict,
        summary,
        major: format!("{} {}", plan.plan.major_code, plan.plan.major_name),
        examining_school: format!(
            "{} {}",
            plan.plan.examining_school_code, plan.plan.examining_school_name
        ),
        conditions,
        counted,
        total_credits,
    }
}

fn counted_courses(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    e: &Evaluation,
) -> Vec<CountedCourse> {
    let claimed = e.claims.claimed();
    (0..plan.courses.len())
        .filter(|&i| claimed.contains(i))
        .map(|i| {
            let c = &plan.plan.courses[i];
            let (mark, sitting, by) = match e.resolved.source[i] {
                Some(Source::Row(k)) => {
                    let r = &facts.scores[k];
                    (
                        r.mark.label(),
                        r.sitting.to_string(),
                        r.obtained_by.label().to_owned(),
                    )
                }
                Some(Source::Exemption(_)) => (String::new(), String::new(), "免考".into()),
                Some(Source::Substitution(k)) => {
                    let old: Vec<String> = ctx.substitution_rules[k]
                        .old
                        .iter()
                        .map(|c| c.to_string())
                        .collect();
                    (
                        String::new(),
                        String::new(),
                        format!("顶替（{}）", old.join("、")),
                    )
                }
                None => (String::new(), String::new(), String::new()),
            };
            CountedCourse {
                code: c.code.to_string(),
                name: c.name.clone(),
                credits: c.credits,
                mark,
                sitting,
                obtained_by: by,
                kind: c.kind.label().into(),
            }
        })
        .collect()
}

fn describe(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    e: &Evaluation,
    c: Condition,
    o: Outcome,
) -> (String, Vec<String>) {
    let mut d = Vec::new();
    let summary = match c {
        Condition::RequiredCourses | Condition::Electives => {
            let g = if c == Condition::RequiredCourses {
                Group::Required
            } else {
                Group::Elective
            };
            for (n, gg, label) in &plan.items {
                if *gg == g {
                    item_details(plan, facts, ctx, e, *n, label, &mut d);
                }
            }
            let missing = d.iter().filter(|l| l.starts_with('✗')).count();
            match o {
                Outcome::Pass => "已满足".into(),
                Outcome::NotApplicable => "本计划无选考要求".into(),
                _ => format!("有 {missing} 项未满足"),
            }
        }
        Condition::Supplementary => supplementary_text(plan, facts, ctx, e, o, &mut d),
        Condition::PracticalBinding => {
            let bound = (0..plan.courses.len()).filter(|&i| {
                matches!(
                    plan.courses[i].kind,
                    CourseKind::Practical | CourseKind::Thesis
                )
            });
            for i in bound {
                if e.resolved.passed.contains(i) {
                    d.push(format!(
                        "✓ {}",
                        evidence_line(plan, facts, ctx, i, e.resolved.source[i])
                    ));
                } else if e.resolved.foreign.contains(i) {
                    d.push(format!(
                        "✗ {}：合格成绩属于其他专业或主考学校，须与申请的 {} {}、{} {} 一致",
                        course_line(plan, i),
                        plan.plan.major_code,
                        plan.plan.major_name,
                        plan.plan.examining_school_code,
                        plan.plan.examining_school_name
                    ));
                }
            }
            match o {
                Outcome::Pass => "已合格的实践环节和毕业论文均属于申请的专业和主考学校".into(),
                _ => "有实践环节或毕业论文的成绩不属于申请的专业和主考学校".into(),
            }
        }
        Condition::Violations => {
            for v in &facts.violations {
                let ok = v.deferred_until <= ctx.graduation_date;
                d.push(format!(
                    "{} {} 年 {} 月 {}：{} 起可毕业",
                    if ok { "✓" } else { "✗" },
                    v.sitting.year(),
                    v.sitting.month(),
                    v.description,
                    v.deferred_until
                ));
            }
            match (o, facts.violations.is_empty()) {
                (_, true) => "无违规记录".into(),
                (Outcome::Pass, _) => "违规记录的推迟毕业期限均已届满".into(),
                _ => format!("推迟毕业期限未满：本批次毕业日期为 {}", ctx.graduation_date),
            }
        }
        Condition::SpecialMajor => special_text(plan, facts, ctx, e, o, &mut d),
        Condition::NotGraduated => {
            for cert in facts.certificates.iter() {
                d.push(format!(
                    "{} 年 {} 月已发毕业证书 {}（专业 {}，{}）",
                    cert.issued_on.year(),
                    cert.issued_on.month(),
                    cert.certificate_no,
                    cert.major,
                    cert.level.label()
                ));
            }
            match o {
                Outcome::Pass => "未办理过该专业该层次的毕业证书".into(),
                _ => "已办理过该专业该层次的毕业证书，不能重复办理".into(),
            }
        }
        Condition::MoralAssessment => {
            "由工作单位在《毕业生登记表》背面鉴定并盖章，现场审核时确认".into()
        }
        Condition::PriorEducation => prior_text(facts, ctx, o, &mut d),
        Condition::Prework => {
            for p in &facts.prework {
                let state = match (p.status, p.completed_at) {
                    (PreworkStatus::Rejected, _) => "未通过（不影响本批次）".to_owned(),
                    (_, Some(done)) if done >= ctx.prework_due => {
                        format!("{} 办结，晚于截止时间 {}", done, ctx.prework_due)
                    }
                    (PreworkStatus::Requested, _) => "尚未办结".into(),
                    (_, Some(done)) => format!("{} 已办结", done),
                    (_, None) => "已核准".into(),
                };
                d.push(format!(
                    "{}（{} 申请）：{state}",
                    p.kind.label(),
                    p.requested_at.date()
                ));
            }
            match o {
                Outcome::Pass if facts.prework.is_empty() => "无前期事项".into(),
                Outcome::Pass => "前期事项均已按期办结".into(),
                Outcome::Pending => format!("有前期事项尚未办结，须在 {} 前办结", ctx.prework_due),
                _ => format!(
                    "前期事项未在 {} 前办结，不能参加本批次毕业办理",
                    ctx.prework_due
                ),
            }
        }
    };
    (summary, d)
}
