//! 考试计划: a major's plan at one examining school, course group and version, as
//! data. The requirement tree says what a transcript must cover; the graduation
//! audit evaluates it.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{CourseCode, Level, MajorCode, SchoolCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CourseKind {
    Required,
    Elective,
    Supplementary,
    Practical,
    Thesis,
}

impl CourseKind {
    pub const ALL: [Self; 5] = [
        Self::Required,
        Self::Elective,
        Self::Supplementary,
        Self::Practical,
        Self::Thesis,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Elective => "elective",
            Self::Supplementary => "supplementary",
            Self::Practical => "practical",
            Self::Thesis => "thesis",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Required => "必考",
            Self::Elective => "选考",
            Self::Supplementary => "加考",
            Self::Practical => "实践环节",
            Self::Thesis => "毕业论文",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExamMode {
    Written,
    Practical,
}

impl ExamMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::Practical => "practical",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "written" => Some(Self::Written),
            "practical" => Some(Self::Practical),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCourse {
    pub code: CourseCode,
    pub name: String,
    /// `None` for the thesis, which carries no credits.
    #[serde(default)]
    pub credits: Option<u16>,
    pub kind: CourseKind,
    #[serde(default = "written")]
    pub exam_mode: ExamMode,
    /// A theory course and its practical part share this number.
    #[serde(default)]
    pub pair: Option<u16>,
}

fn written() -> ExamMode {
    ExamMode::Written
}

/// Which plan courses a counting requirement looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CourseFilter {
    /// Courses of these kinds (empty: any kind).
    #[serde(default)]
    pub kinds: Vec<CourseKind>,
    /// Only these codes (empty: any code).
    #[serde(default)]
    pub codes: Vec<CourseCode>,
}

/// What a transcript must cover. Each node may carry a label shown in explanations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Requirement {
    AllOf {
        #[serde(default)]
        label: Option<String>,
        items: Vec<Requirement>,
    },
    AnyOf {
        #[serde(default)]
        label: Option<String>,
        items: Vec<Requirement>,
    },
    AtLeast {
        #[serde(default)]
        label: Option<String>,
        n: u16,
        items: Vec<Requirement>,
    },
    MinCredits {
        #[serde(default)]
        label: Option<String>,
        k: u16,
        filter: CourseFilter,
    },
    MinCount {
        #[serde(default)]
        label: Option<String>,
        k: u16,
        filter: CourseFilter,
    },
    Course {
        code: CourseCode,
    },
}

impl Requirement {
    /// Every course code the tree names directly (used to check a plan refers only to its own courses).
    pub fn named_courses(&self, out: &mut Vec<CourseCode>) {
        match self {
            Requirement::AllOf { items, .. }
            | Requirement::AnyOf { items, .. }
            | Requirement::AtLeast { items, .. } => items.iter().for_each(|r| r.named_courses(out)),
            Requirement::MinCredits { filter, .. } | Requirement::MinCount { filter, .. } => {
                out.extend(filter.codes.iter().cloned())
            }
            Requirement::Course { code } => out.push(code.clone()),
        }
    }
}

/// 特殊专业要求: conditions beyond the transcript, checked against certificates and diplomas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SpecialCondition {
    /// 机械制造与自动化 / 电气自动化技术: a senior vocational certificate of a trade
    /// family and a senior technical-school diploma.
    VocationalCertificates { trade: String },
    /// 药学 (本科): a valid health licence whose title contains 执业.
    PracticeLicence,
    /// 食品营养与卫生: counting any of these courses needs a medical-related diploma.
    MedicalDiplomaFor { courses: Vec<CourseCode> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub major_code: MajorCode,
    pub major_name: String,
    pub level: Level,
    pub examining_school_code: SchoolCode,
    pub examining_school_name: String,
    #[serde(default)]
    pub course_group: String,
    pub version: u16,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    pub courses: Vec<PlanCourse>,
    pub requirement: Requirement,
    /// 本科 only: extra requirement keyed by prior-education category.
    #[serde(default)]
    pub supplementary: BTreeMap<String, Requirement>,
    #[serde(default)]
    pub special: Option<SpecialCondition>,
}

/// Why a plan read from a file is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("课程 {0} 在计划中重复出现")]
    DuplicateCourse(CourseCode),
    #[error("毕业要求引用了计划中没有的课程 {0}")]
    UnknownCourse(CourseCode),
    #[error("课程 {0}（毕业论文以外）必须有学分")]
    MissingCredits(CourseCode),
    #[error("专科专业不应设置加考要求")]
    SupplementaryOnAssociate,
    #[error("有效期结束日期早于开始日期")]
    ValidityReversed,
}

impl Plan {
    pub fn course(&self, code: &CourseCode) -> Option<&PlanCourse> {
        self.courses.iter().find(|c| &c.code == code)
    }

    /// Checks what serde cannot: internal references and per-kind rules.
    pub fn check(&self) -> Result<(), PlanError> {
        let mut seen = std::collections::HashSet::new();
        for c in &self.courses {
            if !seen.insert(&c.code) {
                return Err(PlanError::DuplicateCourse(c.code.clone()));
            }
            if c.kind != CourseKind::Thesis && c.credits.is_none() {
                return Err(PlanError::MissingCredits(c.code.clone()));
            }
        }
        let mut named = Vec::new();
        self.requirement.named_courses(&mut named);
        for r in self.supplementary.values() {
            r.named_courses(&mut named);
        }
        if let Some(SpecialCondition::MedicalDiplomaFor { courses }) = &self.special {
            named.extend(courses.iter().cloned());
        }
        if let Some(code) = named.into_iter().find(|c| !seen.contains(c)) {
            return Err(PlanError::UnknownCourse(code));
        }
        if self.level == Level::Associate && !self.supplementary.is_empty() {
            return Err(PlanError::SupplementaryOnAssociate);
        }
        if matches!(self.valid_to, Some(to) if to < self.valid_from) {
            return Err(PlanError::ValidityReversed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_json(extra: &str) -> String {
        format!(
            r#"{{"major_code":"670202","major_name":"商务英语","level":"associate",
            "examining_school_code":"619","examining_school_name":"广东外语外贸大学",
            "version":1,"valid_from":"2018-01-01",
            "courses":[{{"code":"00015","name":"英语（二）","credits":14,"kind":"required"}},
                       {{"code":"06999","name":"毕业论文","kind":"thesis"}}],
            "requirement":{{"type":"all_of","items":[{{"type":"course","code":"00015"}}{extra}]}}}}"#
        )
    }

    #[test]
    fn a_plan_parses_and_checks() {
        let p: Plan = serde_json::from_str(&plan_json("")).unwrap();
        assert_eq!(p.check(), Ok(()));
        assert_eq!(
            p.course(&CourseCode::parse("06999").unwrap())
                .unwrap()
                .credits,
            None
        );
    }

    #[test]
    fn references_to_missing_courses_are_caught() {
        let p: Plan =
            serde_json::from_str(&plan_json(r#",{"type":"course","code":"00054"}"#)).unwrap();
        assert_eq!(
            p.check(),
            Err(PlanError::UnknownCourse(
                CourseCode::parse("00054").unwrap()
            ))
        );
    }

    #[test]
    fn unknown_requirement_types_do_not_parse() {
        let bad = plan_json(r#",{"type":"most_of","items":[]}"#);
        assert!(serde_json::from_str::<Plan>(&bad).is_err());
    }
}
