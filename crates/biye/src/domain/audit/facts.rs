//! What the audit knows about a candidate and a batch: plain data, built by
//! the database layer (or the demo generator, or a test) and never fetched by
//! the audit itself.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::domain::score::{Mark, ObtainedBy, ScoreStatus};
use crate::domain::{CourseCode, Level, MajorCode, SchoolCode, Sitting};

/// One row of a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub course: CourseCode,
    #[serde(default)]
    pub course_name: String,
    pub sitting: Sitting,
    pub obtained_by: ObtainedBy,
    pub mark: Mark,
    pub credits: Option<u16>,
    pub status: ScoreStatus,
    /// Practicals and theses are bound to the major and school that examined them.
    pub major: Option<MajorCode>,
    pub school: Option<SchoolCode>,
}

impl ScoreRow {
    pub fn counts(&self) -> bool {
        self.status == ScoreStatus::Valid && self.mark.is_pass()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub sitting: Sitting,
    pub description: String,
    /// May graduate on or after this date.
    pub deferred_until: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorStatus {
    Registered,
    Verified,
    Rejected,
}

/// 前置学历 as registered for a 本科 application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorEducation {
    pub category: String,
    /// Registered as a fresh graduate whose diploma number is still to come.
    pub pending_diploma: bool,
    pub medical_related: bool,
    pub registered_at: DateTime,
    pub status: PriorStatus,
}

/// A certificate the candidate holds (职业资格, 执业证书, CET …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    pub kind: String,
    pub title: String,
    pub value: Option<i64>,
    pub valid_until: Option<Date>,
}

/// A graduation certificate already issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCertificate {
    pub certificate_no: String,
    pub major: MajorCode,
    pub level: Level,
    pub issued_on: Date,
    /// Courses that graduation counted: they cannot substitute again.
    #[serde(default)]
    pub courses_used: Vec<CourseCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreworkKind {
    Exemption,
    Transfer,
    RecordCorrection,
}

impl PreworkKind {
    pub fn label(self) -> &'static str {
        match self {
            PreworkKind::Exemption => "免考",
            PreworkKind::Transfer => "转考",
            PreworkKind::RecordCorrection => "考籍信息更正",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreworkStatus {
    Requested,
    Approved,
    Rejected,
}

/// 毕业办理前期工作: a transfer, exemption or record correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prework {
    pub kind: PreworkKind,
    pub status: PreworkStatus,
    pub requested_at: DateTime,
    pub completed_at: Option<DateTime>,
    /// For an exemption: the courses it exempts.
    #[serde(default)]
    pub courses: Vec<CourseCode>,
    /// For an exemption: the certificate it rests on.
    #[serde(default)]
    pub certificate: String,
}

/// Everything about one candidate the audit looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub scores: Vec<ScoreRow>,
    pub violations: Vec<Violation>,
    pub prior_education: Option<PriorEducation>,
    pub qualifications: Vec<Qualification>,
    pub certificates: Vec<IssuedCertificate>,
    pub prework: Vec<Prework>,
}

/// 顶替: passing every old course counts for the new one, inside a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstitutionRule {
    pub old: Vec<CourseCode>,
    pub new: CourseCode,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
}

/// 免考: a certificate (at least `min_value`, e.g. CET-4 425) exempts courses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionRule {
    pub certificate: String,
    pub min_value: Option<i64>,
    pub courses: Vec<CourseCode>,
}

/// The batch's dates and the rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub graduation_date: Date,
    pub prework_due: DateTime,
    pub prior_education_due: DateTime,
    pub prior_education_supplement_due: DateTime,
    /// When the prediction is made (pending items may still complete).
    pub as_of: DateTime,
    pub substitution_rules: Vec<SubstitutionRule>,
    pub exemption_rules: Vec<ExemptionRule>,
}
