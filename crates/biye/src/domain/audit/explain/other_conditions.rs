//! The explanation of the conditions beyond the plan's courses: supplementary
//! courses for a bachelor's prior education (加考), the special conditions of
//! some majors (certificates, licences, diplomas) and the prior education
//! itself (前置学历).

use super::super::compiled::CompiledPlan;
use super::super::facts::{Context, Facts, PriorStatus};
use super::super::{Evaluation, Outcome};
use super::item_details;
use crate::domain::plan::SpecialCondition;

pub(super) fn supplementary_text(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    e: &Evaluation,
    o: Outcome,
    d: &mut Vec<String>,
) -> String {
    if o == Outcome::NotApplicable {
        return "不适用".into();
    }
    let Some(p) = &facts.prior_education else {
        return "未登记前置学历，无法确定加考要求".into();
    };
    match e.supplementary_root {
        None => format!("前置学历类别“{}”无须加考", p.category),
        Some(root) => {
            let label = plan
                .plan
                .supplementary
                .get(&p.category)
                .and_then(|r| match r {
                    crate::domain::plan::Requirement::MinCount { label, .. }
                    | crate::domain::plan::Requirement::MinCredits { label, .. } => label.clone(),
                    _ => None,
                });
            item_details(
                plan,
                facts,
                ctx,
                e,
                root,
                label.as_deref().unwrap_or("加考课程"),
                d,
            );
            if o == Outcome::Pass {
                format!("前置学历类别“{}”的加考要求已满足", p.category)
            } else {
                format!("前置学历类别“{}”的加考要求未满足", p.category)
            }
        }
    }
}

pub(super) fn special_text(
    plan: &CompiledPlan,
    facts: &Facts,
    ctx: &Context,
    e: &Evaluation,
    o: Outcome,
    d: &mut Vec<String>,
) -> String {
    for q in &facts.qualifications {
        let until = q
            .valid_until
            .map(|u| format!("，有效期至 {u}"))
            .unwrap_or_default();
        d.push(format!("持有：{}{until}", q.title));
    }
    match (&plan.plan.special, o) {
        (None, _) => "本专业无其他条件".into(),
        (Some(SpecialCondition::VocationalCertificates { trade }), Outcome::Pass) => {
            format!("已提供{trade}工种高级职业资格证书和高级技工学校毕业证书")
        }
        (Some(SpecialCondition::VocationalCertificates { trade }), _) => {
            format!(
                "须提供{trade}工种高级国家职业资格证书和高级技工学校毕业证书，现场审核时提交原件"
            )
        }
        (Some(SpecialCondition::PracticeLicence), Outcome::Pass) => {
            "已提供有效期内的卫生类执业证书".into()
        }
        (Some(SpecialCondition::PracticeLicence), _) => format!(
            "须提供有效期内（{} 仍有效）的卫生类执业证书，证书上须有“执业”二字",
            ctx.graduation_date
        ),
        (Some(SpecialCondition::MedicalDiplomaFor { courses }), _) => {
            let codes: Vec<String> = courses.iter().map(|c| c.to_string()).collect();
            let counted: Vec<String> = e
                .claims
                .claimed()
                .and(plan.medical)
                .iter()
                .map(|i| plan.plan.courses[i].code.to_string())
                .collect();
            match (o, e.medical_counted) {
                (Outcome::Pass, true) => format!("计入了 {}，已提供医学相关专业的中专或专科毕业证书", counted.join("、")),
                (Outcome::Pass, false) => format!("未计入 {} 等课程，无须提供医学相关毕业证书", codes.join("、")),
                _ => format!(
                    "计入的选考课程含 {}，须提供医学、药学、护理学或其他医学相关专业的中专或专科毕业证书原件及复印件；也可改考其他选考课程代替",
                    counted.join("、")
                ),
            }
        }
    }
}

pub(super) fn prior_text(facts: &Facts, ctx: &Context, o: Outcome, d: &mut Vec<String>) -> String {
    if o == Outcome::NotApplicable {
        return "专科无须前置学历".into();
    }
    let Some(p) = &facts.prior_education else {
        return format!(
            "未登记前置学历：本科须在 {} 前登记并经省考办查验通过",
            ctx.prior_education_due
        );
    };
    d.push(format!(
        "登记时间 {}，类别“{}”",
        p.registered_at, p.category
    ));
    if p.registered_at >= ctx.prior_education_due {
        return format!("前置学历登记晚于截止时间 {}", ctx.prior_education_due);
    }
    if p.status == PriorStatus::Rejected {
        return "前置学历查验未通过：请按省考办意见补正".into();
    }
    if p.pending_diploma {
        return match o {
            Outcome::Pending => format!(
                "应届毕业生：须在 {} 前补填毕业证号及认证信息",
                ctx.prior_education_supplement_due
            ),
            _ => format!(
                "未在 {} 前补填毕业证号，视为放弃本批次",
                ctx.prior_education_supplement_due
            ),
        };
    }
    match p.status {
        PriorStatus::Verified => "前置学历已登记并查验通过".into(),
        _ => "前置学历已登记，等待省考办查验".into(),
    }
}
