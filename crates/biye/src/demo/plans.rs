//! The demo plans: the majors the notice names, with plausible course lists.

use jiff::civil::date;

use crate::domain::plan::{
    CourseFilter, CourseKind, ExamMode, Plan, PlanCourse, Requirement, SpecialCondition,
};
use crate::domain::{CourseCode, Level, MajorCode, SchoolCode};

fn code(s: &str) -> CourseCode {
    CourseCode::parse(s).expect("demo course codes are valid")
}

fn course(c: &str, name: &str, credits: Option<u16>, kind: CourseKind) -> PlanCourse {
    let exam_mode = if matches!(kind, CourseKind::Practical) {
        ExamMode::Practical
    } else {
        ExamMode::Written
    };
    PlanCourse {
        code: code(c),
        name: name.into(),
        credits,
        kind,
        exam_mode,
        pair: None,
    }
}

fn paired(mut c: PlanCourse, pair: u16) -> PlanCourse {
    c.pair = Some(pair);
    c
}

/// Every required/practical/thesis course, plus the electives' minimum credits.
fn standard_requirement(courses: &[PlanCourse], elective_credits: u16) -> Requirement {
    let mut items: Vec<Requirement> = courses
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                CourseKind::Required | CourseKind::Practical | CourseKind::Thesis
            )
        })
        .map(|c| Requirement::Course {
            code: c.code.clone(),
        })
        .collect();
    if elective_credits > 0 {
        items.push(Requirement::MinCredits {
            label: Some("选考课程".into()),
            k: elective_credits,
            filter: CourseFilter {
                kinds: vec![CourseKind::Elective],
                codes: vec![],
            },
        });
    }
    Requirement::AllOf {
        label: Some("毕业要求".into()),
        items,
    }
}

struct Spec<'a> {
    major: &'a str,
    name: &'a str,
    level: Level,
    school: (&'a str, &'a str),
    courses: Vec<PlanCourse>,
    elective_credits: u16,
    supplementary: Vec<(&'a str, Requirement)>,
    special: Option<SpecialCondition>,
}

fn build(s: Spec) -> Plan {
    Plan {
        major_code: MajorCode::parse(s.major).expect("demo major codes are valid"),
        major_name: s.name.into(),
        level: s.level,
        examining_school_code: SchoolCode::parse(s.school.0).expect("demo school codes are valid"),
        examining_school_name: s.school.1.into(),
        course_group: String::new(),
        version: 1,
        valid_from: date(2018, 1, 1),
        valid_to: None,
        requirement: standard_requirement(&s.courses, s.elective_credits),
        courses: s.courses,
        supplementary: s
            .supplementary
            .into_iter()
            .map(|(k, r)| (k.to_owned(), r))
            .collect(),
        special: s.special,
    }
}

use CourseKind::{Elective as E, Practical as P, Required as R, Supplementary as S, Thesis as T};

fn politics() -> Vec<PlanCourse> {
    vec![
        course("03706", "思想道德修养与法律基础", Some(2), R),
        course(
            "12656",
            "毛泽东思想和中国特色社会主义理论体系概论",
            Some(4),
            R,
        ),
    ]
}

/// 计算机应用基础 and its practical part: a theory/practical pair.
pub const COMPUTER_PAIR: [&str; 2] = ["00018", "00019"];

pub const FOOD_MEDICAL_COURSES: [&str; 7] = [
    "05747", "05748", "05749", "05750", "05751", "05752", "00988",
];

pub fn all() -> Vec<Plan> {
    let gdufs = ("619", "广东外语外贸大学");
    let scut = ("501", "华南理工大学");
    let gdpu = ("580", "广东药科大学");
    let scau = ("524", "华南农业大学");
    let mut business_english = politics();
    business_english.extend([
        course("00794", "综合英语（一）", Some(6), R),
        course("00795", "综合英语（二）", Some(8), R),
        course("00522", "英语国家概况", Some(4), R),
        course("00796", "商务英语翻译", Some(6), R),
        course("00797", "商务英语写作", Some(6), R),
        course("10424", "商务英语实践", Some(2), P),
        paired(course("00018", "计算机应用基础", Some(2), R), 1),
        paired(course("00019", "计算机应用基础（实践）", Some(2), P), 1),
        course("00054", "管理学原理", Some(4), E),
        course("00147", "人力资源管理（一）", Some(6), E),
        course("00098", "国际市场营销学", Some(6), E),
        course("00149", "国际贸易理论与实务", Some(6), E),
    ]);
    let mut english_bachelor = vec![
        course("03708", "中国近现代史纲要", Some(2), R),
        course("03709", "马克思主义基本原理概论", Some(4), R),
        course("00600", "高级英语", Some(10), R),
        course("00830", "现代语言学", Some(6), R),
        course("00604", "英美文学选读", Some(6), R),
        course("00087", "英语翻译", Some(6), R),
        course("00840", "第二外语（日语）", Some(6), E),
        course("00603", "英语写作", Some(6), E),
        course("00838", "语言与文化", Some(6), E),
        course("06999", "毕业论文", None, T),
        course("00794", "综合英语（一）", Some(6), S),
        course("00522", "英语国家概况", Some(4), S),
    ];
    english_bachelor
        .iter_mut()
        .filter(|c| c.code.as_str() == "06999")
        .for_each(|c| c.exam_mode = ExamMode::Practical);
    let supplementary = vec![(
        "unrelated",
        Requirement::MinCount {
            label: Some("加考课程（非英语专业前置学历）".into()),
            k: 2,
            filter: CourseFilter {
                kinds: vec![S],
                codes: vec![],
            },
        },
    )];
    let mut mechanical = politics();
    mechanical.extend([
        course("02183", "机械制图（一）", Some(6), R),
        course("02159", "工程力学（一）", Some(6), R),
        course("02185", "机械设计基础", Some(6), R),
        course("02189", "机械制造基础", Some(6), R),
        course("02190", "机械制造基础（实践）", Some(2), P),
        course("02194", "工程经济", Some(4), E),
        course("02195", "数控技术及应用", Some(4), E),
    ]);
    let mut electrical = politics();
    electrical.extend([
        course("02269", "电工原理", Some(6), R),
        course("02234", "电子技术基础（一）", Some(6), R),
        course("02236", "可编程控制器原理与应用", Some(6), R),
        course("02237", "可编程控制器原理与应用（实践）", Some(2), P),
        course("02238", "模拟、数字及电力电子技术", Some(5), E),
        course("02245", "电力系统自动装置", Some(4), E),
    ]);
    let pharmacy = vec![
        course("03708", "中国近现代史纲要", Some(2), R),
        course("03709", "马克思主义基本原理概论", Some(4), R),
        course("03029", "药理学（三）", Some(6), R),
        course("03031", "药物分析（三）", Some(6), R),
        course("03035", "药剂学（二）", Some(6), R),
        course("03036", "药剂学（二）（实践）", Some(2), P),
        course("03032", "药事管理学（二）", Some(4), E),
        course("03037", "生药学（二）", Some(4), E),
        course("06999", "毕业论文", None, T),
    ];
    let mut food = politics();
    food.extend([
        course("02864", "微生物学及免疫学基础", Some(4), R),
        course("03000", "营养学基础", Some(6), R),
        course("03001", "营养学基础（实践）", Some(2), P),
        course("05747", "临床医学总论", Some(6), E),
        course("05748", "疾病的营养防治", Some(4), E),
        course("05749", "中医营养学基础", Some(4), E),
        course("05750", "食品卫生法规与监督", Some(4), E),
        course("05751", "烹饪与膳食管理基础", Some(4), E),
        course("05752", "烹饪与膳食管理基础", Some(4), E),
        course("00988", "食品营养学", Some(5), E),
        course("02895", "食品化学", Some(4), E),
        course("02896", "食品分析", Some(4), E),
    ]);
    vec![
        build(Spec {
            major: "670202",
            name: "商务英语",
            level: Level::Associate,
            school: gdufs,
            courses: business_english,
            elective_credits: 12,
            supplementary: vec![],
            special: None,
        }),
        build(Spec {
            major: "050201",
            name: "英语",
            level: Level::Bachelor,
            school: gdufs,
            courses: english_bachelor,
            elective_credits: 6,
            supplementary,
            special: None,
        }),
        build(Spec {
            major: "460104",
            name: "机械制造与自动化",
            level: Level::Associate,
            school: scut,
            courses: mechanical,
            elective_credits: 4,
            supplementary: vec![],
            special: Some(SpecialCondition::VocationalCertificates {
                trade: "机械类".into(),
            }),
        }),
        build(Spec {
            major: "460306",
            name: "电气自动化技术",
            level: Level::Associate,
            school: scut,
            courses: electrical,
            elective_credits: 4,
            supplementary: vec![],
            special: Some(SpecialCondition::VocationalCertificates {
                trade: "电气类".into(),
            }),
        }),
        build(Spec {
            major: "100701",
            name: "药学",
            level: Level::Bachelor,
            school: gdpu,
            courses: pharmacy,
            elective_credits: 4,
            supplementary: vec![],
            special: Some(SpecialCondition::PracticeLicence),
        }),
        build(Spec {
            major: "490104",
            name: "食品营养与卫生",
            level: Level::Associate,
            school: scau,
            courses: food,
            elective_credits: 12,
            supplementary: vec![],
            special: Some(SpecialCondition::MedicalDiplomaFor {
                courses: FOOD_MEDICAL_COURSES.iter().map(|c| code(c)).collect(),
            }),
        }),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_plans_are_consistent() {
        for p in super::all() {
            assert_eq!(p.check(), Ok(()), "{}", p.major_name);
        }
    }
}
