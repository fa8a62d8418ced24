//! Hand-written cases, one per condition and per edge, and property tests.

use jiff::civil::{date, Date, DateTime};
use proptest::prelude::*;

use super::*;
use crate::domain::plan::{
    CourseFilter, CourseKind, ExamMode, Plan, PlanCourse, Requirement, SpecialCondition,
};
use crate::domain::score::{Grade, Mark, ObtainedBy, ScoreStatus};
use crate::domain::{CourseCode, Level, MajorCode, SchoolCode, Sitting};

fn code(s: &str) -> CourseCode {
    CourseCode::parse(s).unwrap()
}

fn course(c: &str, credits: Option<u16>, kind: CourseKind) -> PlanCourse {
    PlanCourse {
        code: code(c),
        name: format!("课程{c}"),
        credits,
        kind,
        exam_mode: ExamMode::Written,
        pair: None,
    }
}

fn leaf(c: &str) -> Requirement {
    Requirement::Course { code: code(c) }
}

fn electives(k: u16) -> Requirement {
    Requirement::MinCredits {
        label: Some("选考课程".into()),
        k,
        filter: CourseFilter {
            kinds: vec![CourseKind::Elective],
            codes: vec![],
        },
    }
}

/// 商务英语-like: two required, a practical, electives A 4, B 4, C 2, D 6 (min 8).
fn plan() -> Plan {
    use CourseKind::*;
    Plan {
        major_code: MajorCode::parse("670202").unwrap(),
        major_name: "商务英语".into(),
        level: Level::Associate,
        examining_school_code: SchoolCode::parse("619").unwrap(),
        examining_school_name: "广东外语外贸大学".into(),
        course_group: String::new(),
        version: 1,
        valid_from: date(2018, 1, 1),
        valid_to: None,
        courses: vec![
            course("00794", Some(6), Required),
            course("00795", Some(8), Required),
            course("10424", Some(2), Practical),
            course("00054", Some(4), Elective),
            course("00147", Some(4), Elective),
            course("00098", Some(2), Elective),
            course("00149", Some(6), Elective),
        ],
        requirement: Requirement::AllOf {
            label: Some("毕业要求".into()),
            items: vec![leaf("00794"), leaf("00795"), leaf("10424"), electives(8)],
        },
        supplementary: Default::default(),
        special: None,
    }
}

fn dt(y: i16, m: i8, d: i8) -> DateTime {
    date(y, m, d).at(0, 0, 0, 0)
}

fn ctx() -> Context {
    Context {
        graduation_date: date(2023, 6, 30),
        prework_due: dt(2023, 5, 1),
        prior_education_due: dt(2023, 6, 1),
        prior_education_supplement_due: dt(2023, 7, 3),
        as_of: dt(2023, 6, 15),
        substitution_rules: vec![],
        exemption_rules: vec![],
    }
}

/// A valid exam row; `evidence`'s tests build on it too.
pub(super) fn row(c: &str, sitting: &str, mark: Mark) -> ScoreRow {
    ScoreRow {
        course: code(c),
        course_name: String::new(),
        sitting: Sitting::parse(sitting).unwrap(),
        obtained_by: ObtainedBy::Exam,
        mark,
        credits: None,
        status: ScoreStatus::Valid,
        major: None,
        school: None,
    }
}

fn pass(c: &str) -> ScoreRow {
    row(c, "202204", Mark::Score(72))
}

fn passing_facts() -> Facts {
    Facts {
        scores: ["00794", "00795", "00054", "00147"]
            .into_iter()
            .map(pass)
            .chain([grade_row("10424", Grade::Pass)])
            .collect(),
        ..Facts::default()
    }
}

fn grade_row(c: &str, g: Grade) -> ScoreRow {
    let mut r = row(c, "202210", Mark::Grade(g));
    r.major = Some(MajorCode::parse("670202").unwrap());
    r.school = Some(SchoolCode::parse("619").unwrap());
    r
}

fn run(plan: &Plan, facts: &Facts, ctx: &Context) -> (Evaluation, Audit) {
    let compiled = CompiledPlan::compile(plan).unwrap();
    let e = evaluate(&compiled, facts, ctx);
    let a = explain(&compiled, facts, ctx, &e);
    (e, a)
}

fn outcome(plan: &Plan, facts: &Facts, c: Condition) -> Outcome {
    run(plan, facts, &ctx()).0.outcome(c)
}

fn details(a: &Audit, c: Condition) -> String {
    let r = a.condition(c).unwrap();
    format!("{} | {}", r.summary, r.details.join(" | "))
}

#[test]
fn a_complete_transcript_graduates_and_lists_what_counted() {
    let (e, a) = run(&plan(), &passing_facts(), &ctx());
    assert_eq!(e.verdict(), Verdict::Graduates, "{}", a.summary);
    assert_eq!(a.counted.len(), 5);
    assert_eq!(a.total_credits, 6 + 8 + 2 + 4 + 4);
    assert!(a.summary.contains("预测可以在本批次毕业"));
    assert_eq!(e.outcome(Condition::MoralAssessment), Outcome::Pending);
}

#[test]
fn electives_exactly_at_the_minimum_pass_and_one_short_fail_with_options() {
    let mut f = passing_facts();
    assert_eq!(outcome(&plan(), &f, Condition::Electives), Outcome::Pass);
    f.scores.retain(|r| r.course.as_str() != "00147");
    f.scores.push(pass("00098"));
    let (e, a) = run(&plan(), &f, &ctx());
    assert_eq!(e.outcome(Condition::Electives), Outcome::Fail);
    let text = details(&a, Condition::Electives);
    assert!(
        text.contains("已获 6 学分") && text.contains("还差 2 学分"),
        "{text}"
    );
    assert!(
        text.contains("00147 课程00147（4 学分）") && text.contains("00149"),
        "{text}"
    );
    assert!(
        !text.contains("可选：00054"),
        "passed courses are not offered: {text}"
    );
}

#[test]
fn a_failed_required_course_is_named_with_its_last_result() {
    let mut f = passing_facts();
    f.scores.retain(|r| r.course.as_str() != "00795");
    f.scores.push(row("00795", "202210", Mark::Score(52)));
    let (e, a) = run(&plan(), &f, &ctx());
    assert_eq!(e.outcome(Condition::RequiredCourses), Outcome::Fail);
    let text = details(&a, Condition::RequiredCourses);
    assert!(
        text.contains("✗ 00795 课程00795（8 学分）：最近一次 2022 年 10 月成绩 52，未合格"),
        "{text}"
    );
    assert!(a.summary.contains("本批次暂不能毕业"));
}

#[test]
fn a_void_score_does_not_count() {
    let mut f = passing_facts();
    f.scores
        .iter_mut()
        .filter(|r| r.course.as_str() == "00794")
        .for_each(|r| r.status = ScoreStatus::Void);
    let (e, a) = run(&plan(), &f, &ctx());
    assert_eq!(e.outcome(Condition::RequiredCourses), Outcome::Fail);
    assert!(details(&a, Condition::RequiredCourses).contains("成绩已作废"));
}

#[test]
fn grade_scored_practicals_pass_on_any_grade_but_fail() {
    let mut f = passing_facts();
    assert_eq!(
        outcome(&plan(), &f, Condition::RequiredCourses),
        Outcome::Pass
    );
    f.scores.retain(|r| r.course.as_str() != "10424");
    f.scores.push(grade_row("10424", Grade::Fail));
    assert_eq!(
        outcome(&plan(), &f, Condition::RequiredCourses),
        Outcome::Fail
    );
}

#[test]
fn a_practical_passed_under_another_school_fails_condition_four() {
    let mut f = passing_facts();
    for r in f.scores.iter_mut().filter(|r| r.course.as_str() == "10424") {
        r.school = Some(SchoolCode::parse("564").unwrap());
    }
    let (e, a) = run(&plan(), &f, &ctx());
    assert_eq!(e.outcome(Condition::PracticalBinding), Outcome::Fail);
    assert!(details(&a, Condition::PracticalBinding)
        .contains("须与申请的 670202 商务英语、619 广东外语外贸大学 一致"));
}

/// Electives A and B are also the two options of a “one of” requirement: a
/// score counts once, so the engine must give A to the choice and B to the
/// credits, not both to the credits.
fn contested_plan() -> Plan {
    let mut p = plan();
    p.requirement = Requirement::AllOf {
        label: None,
        items: vec![
            leaf("00794"),
            Requirement::AnyOf {
                label: Some("二选一".into()),
                items: vec![leaf("00054"), leaf("00147")],
            },
            electives(6),
        ],
    };
    p
}

#[test]
fn a_course_claimable_by_two_requirements_is_assigned_where_the_plan_needs_it() {
    let p = contested_plan();
    let f = Facts {
        scores: vec![pass("00794"), pass("00054"), pass("00147"), pass("00098")],
        ..Facts::default()
    };
    let (e, a) = run(&p, &f, &ctx());
    assert_eq!(
        e.outcome(Condition::Electives),
        Outcome::Pass,
        "{}",
        details(&a, Condition::Electives)
    );
    // Only 00054 and 00098: one for the choice leaves 2 credits, short of 6.
    let f = Facts {
        scores: vec![pass("00794"), pass("00054"), pass("00098")],
        ..Facts::default()
    };
    let (e, a) = run(&p, &f, &ctx());
    assert_eq!(e.outcome(Condition::Electives), Outcome::Fail);
    let text = details(&a, Condition::Electives);
    assert!(text.contains("还差 4 学分"), "{text}");
}

fn substitution_ctx() -> Context {
    let mut c = ctx();
    c.substitution_rules = vec![SubstitutionRule {
        old: vec![code("00015")],
        new: code("00795"),
        valid_from: date(2023, 1, 1),
        valid_to: Some(date(2025, 12, 31)),
    }];
    c
}

#[test]
fn a_substitution_counts_inside_its_window_but_not_with_an_already_used_course() {
    let mut f = passing_facts();
    f.scores.retain(|r| r.course.as_str() != "00795");
    f.scores.push(pass("00015"));
    let (e, a) = run(&plan(), &f, &substitution_ctx());
    assert_eq!(e.outcome(Condition::RequiredCourses), Outcome::Pass);
    assert!(a
        .counted
        .iter()
        .any(|c| c.code == "00795" && c.obtained_by == "顶替（00015）"));

    let mut late = substitution_ctx();
    late.graduation_date = date(2026, 6, 30);
    assert_eq!(
        run(&plan(), &f, &late)
            .0
            .outcome(Condition::RequiredCourses),
        Outcome::Fail
    );

    f.certificates.push(IssuedCertificate {
        certificate_no: "66440201221000011".into(),
        major: MajorCode::parse("050201").unwrap(),
        level: Level::Bachelor,
        issued_on: date(2022, 12, 20),
        courses_used: vec![code("00015")],
    });
    let (e, a) = run(&plan(), &f, &substitution_ctx());
    assert_eq!(e.outcome(Condition::RequiredCourses), Outcome::Fail);
    assert!(details(&a, Condition::RequiredCourses).contains("已用于办理过的毕业，不能再次顶替"));
}

#[test]
fn an_exemption_covers_its_theory_and_practical_pair() {
    let mut c = ctx();
    c.exemption_rules = vec![ExemptionRule {
        certificate: "NCRE-2".into(),
        min_value: None,
        courses: vec![code("00795"), code("10424")],
    }];
    let mut f = passing_facts();
    f.scores
        .retain(|r| !["00795", "10424"].contains(&r.course.as_str()));
    f.prework.push(Prework {
        kind: PreworkKind::Exemption,
        status: PreworkStatus::Approved,
        requested_at: dt(2023, 3, 1),
        completed_at: Some(dt(2023, 3, 20)),
        courses: vec![code("00795")],
        certificate: "NCRE-2".into(),
    });
    let (e, a) = run(&plan(), &f, &c);
    assert_eq!(e.verdict(), Verdict::Graduates, "{}", a.summary);
    assert_eq!(
        a.counted.iter().filter(|c| c.obtained_by == "免考").count(),
        2
    );

    // Completed after the pre-work deadline: not this batch.
    f.prework[0].completed_at = Some(dt(2023, 5, 10));
    let (e, a) = run(&plan(), &f, &c);
    assert_eq!(e.outcome(Condition::Prework), Outcome::Fail);
    assert!(details(&a, Condition::Prework).contains("晚于截止时间"));
}

#[test]
fn a_violation_deferred_to_the_day_after_the_batch_blocks_and_on_the_day_does_not() {
    let mut f = passing_facts();
    f.violations.push(Violation {
        sitting: Sitting::parse("202104").unwrap(),
        description: "携带手机进入考场".into(),
        deferred_until: date(2023, 7, 1),
    });
    let (e, a) = run(&plan(), &f, &ctx());
    assert_eq!(e.outcome(Condition::Violations), Outcome::Fail);
    assert!(details(&a, Condition::Violations).contains("2023-07-01 起可毕业"));
    f.violations[0].deferred_until = date(2023, 6, 30);
    assert_eq!(outcome(&plan(), &f, Condition::Violations), Outcome::Pass);
}

#[test]
fn a_certificate_for_the_same_major_and_level_blocks() {
    let mut f = passing_facts();
    f.certificates.push(IssuedCertificate {
        certificate_no: "66440201221000017".into(),
        major: MajorCode::parse("670202").unwrap(),
        level: Level::Associate,
        issued_on: date(2022, 12, 20),
        courses_used: vec![],
    });
    assert_eq!(outcome(&plan(), &f, Condition::NotGraduated), Outcome::Fail);
}

fn bachelor() -> Plan {
    let mut p = plan();
    p.level = Level::Bachelor;
    p.courses
        .push(course("00522", Some(4), CourseKind::Supplementary));
    p.courses
        .push(course("00831", Some(4), CourseKind::Supplementary));
    p.supplementary.insert(
        "unrelated".into(),
        Requirement::MinCount {
            label: Some("加考课程".into()),
            k: 2,
            filter: CourseFilter {
                kinds: vec![CourseKind::Supplementary],
                codes: vec![],
            },
        },
    );
    p
}

fn prior(category: &str, status: PriorStatus) -> PriorEducation {
    PriorEducation {
        category: category.into(),
        pending_diploma: false,
        medical_related: false,
        registered_at: dt(2023, 5, 20),
        status,
    }
}

#[test]
fn bachelor_prior_education_and_supplementary_courses() {
    let p = bachelor();
    let mut f = passing_facts();
    assert_eq!(outcome(&p, &f, Condition::PriorEducation), Outcome::Fail);
    f.prior_education = Some(prior("related", PriorStatus::Verified));
    let (e, a) = run(&p, &f, &ctx());
    assert_eq!(e.verdict(), Verdict::Graduates, "{}", a.summary);
    assert!(details(&a, Condition::Supplementary).contains("无须加考"));

    f.prior_education = Some(prior("unrelated", PriorStatus::Verified));
    f.scores.push(pass("00522"));
    let (e, a) = run(&p, &f, &ctx());
    assert_eq!(e.outcome(Condition::Supplementary), Outcome::Fail);
    assert!(
        details(&a, Condition::Supplementary).contains("还差 1 门"),
        "{}",
        details(&a, Condition::Supplementary)
    );
    f.scores.push(pass("00831"));
    assert_eq!(outcome(&p, &f, Condition::Supplementary), Outcome::Pass);

    f.prior_education = Some(prior("unrelated", PriorStatus::Registered));
    let (e, _) = run(&p, &f, &ctx());
    assert_eq!(e.verdict(), Verdict::Pending);

    let mut late = prior("unrelated", PriorStatus::Verified);
    late.registered_at = dt(2023, 6, 2);
    f.prior_education = Some(late);
    assert_eq!(outcome(&p, &f, Condition::PriorEducation), Outcome::Fail);
}

#[test]
fn a_fresh_graduate_waits_until_the_supplement_deadline_then_fails() {
    let p = bachelor();
    let mut f = passing_facts();
    let mut pe = prior("related", PriorStatus::Registered);
    pe.pending_diploma = true;
    f.prior_education = Some(pe);
    assert_eq!(outcome(&p, &f, Condition::PriorEducation), Outcome::Pending);
    let mut after = ctx();
    after.as_of = dt(2023, 7, 3);
    assert_eq!(
        run(&p, &f, &after).0.outcome(Condition::PriorEducation),
        Outcome::Fail
    );
}

fn qualification(kind: &str, title: &str, until: Option<Date>) -> Qualification {
    Qualification {
        kind: kind.into(),
        title: title.into(),
        value: None,
        valid_until: until,
    }
}

#[test]
fn special_majors_need_their_certificates() {
    let mut p = plan();
    p.special = Some(SpecialCondition::VocationalCertificates {
        trade: "机械类".into(),
    });
    let mut f = passing_facts();
    f.qualifications.push(qualification(
        "vocational_senior",
        "机械类（车工）高级国家职业资格证书",
        None,
    ));
    assert_eq!(outcome(&p, &f, Condition::SpecialMajor), Outcome::Fail);
    f.qualifications.push(qualification(
        "technical_school",
        "高级技工学校毕业证书",
        None,
    ));
    assert_eq!(outcome(&p, &f, Condition::SpecialMajor), Outcome::Pass);

    p.special = Some(SpecialCondition::PracticeLicence);
    f.qualifications = vec![qualification(
        "practice_licence",
        "执业药师注册证",
        Some(date(2023, 3, 31)),
    )];
    assert_eq!(outcome(&p, &f, Condition::SpecialMajor), Outcome::Fail);
    f.qualifications[0].valid_until = Some(date(2023, 6, 30));
    assert_eq!(outcome(&p, &f, Condition::SpecialMajor), Outcome::Pass);
    f.qualifications[0].title = "药师资格证".into();
    assert_eq!(outcome(&p, &f, Condition::SpecialMajor), Outcome::Fail);
}

#[test]
fn medical_electives_need_a_diploma_only_when_they_must_be_counted() {
    let mut p = plan();
    p.special = Some(SpecialCondition::MedicalDiplomaFor {
        courses: vec![code("00149")],
    });
    // 00054 + 00147 make 8 credits without the medical course: no diploma needed.
    let mut f = passing_facts();
    f.scores.push(pass("00149"));
    let (e, a) = run(&p, &f, &ctx());
    assert_eq!(e.outcome(Condition::SpecialMajor), Outcome::Pass);
    assert!(!a.counted.iter().any(|c| c.code == "00149"));
    // Without 00147 the plan needs 00149: then the diploma is required.
    f.scores.retain(|r| r.course.as_str() != "00147");
    let (e, a) = run(&p, &f, &ctx());
    assert_eq!(e.outcome(Condition::SpecialMajor), Outcome::Fail);
    assert!(details(&a, Condition::SpecialMajor).contains("医学相关专业的中专或专科毕业证书"));
    f.qualifications.push(qualification(
        "medical_diploma",
        "护理专业中专毕业证书",
        None,
    ));
    assert_eq!(outcome(&p, &f, Condition::SpecialMajor), Outcome::Pass);
}

#[test]
fn pending_prework_waits_and_then_blocks_after_its_deadline() {
    let mut f = passing_facts();
    f.prework.push(Prework {
        kind: PreworkKind::RecordCorrection,
        status: PreworkStatus::Requested,
        requested_at: dt(2023, 4, 20),
        completed_at: None,
        courses: vec![],
        certificate: String::new(),
    });
    let mut before = ctx();
    before.as_of = dt(2023, 4, 25);
    assert_eq!(
        run(&plan(), &f, &before).0.outcome(Condition::Prework),
        Outcome::Pending
    );
    assert_eq!(outcome(&plan(), &f, Condition::Prework), Outcome::Fail);
}

#[test]
fn the_explanation_serialises_with_stable_codes() {
    let (_, a) = run(&plan(), &passing_facts(), &ctx());
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["verdict"], "graduates");
    assert_eq!(json["conditions"][0]["code"], "required_courses");
    assert_eq!(json["conditions"][0]["outcome"], "pass");
}

mod properties;
