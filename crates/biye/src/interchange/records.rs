//! The record types of each kind of file, and how a line becomes one.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::domain::audit::{PreworkKind, PreworkStatus};
use crate::domain::candidate::{check_person_name, check_text, CandidateProfile};
use crate::domain::level::{ethnicity_label, label_of, EDUCATION_LEVEL, POLITICAL_STATUS};
use crate::domain::score::{Grade, Mark, ObtainedBy, ScoreStatus};
use crate::domain::{
    AdmissionNo, BatchCode, CourseCode, Gender, IdNo, IdType, Level, MajorCode, OfficeCode,
    PhoneNumber, SchoolCode, Sitting,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeRecord {
    pub code: OfficeCode,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnsiteSessionRecord {
    pub office_code: OfficeCode,
    pub opens: DateTime,
    pub closes: DateTime,
    #[serde(default)]
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRecord {
    pub code: BatchCode,
    pub name: String,
    pub application_opens: DateTime,
    pub application_closes: DateTime,
    pub prework_due: DateTime,
    pub prior_education_due: DateTime,
    pub prior_education_supplement_due: DateTime,
    pub materials_due: DateTime,
    pub graduation_date: Date,
    #[serde(default)]
    pub certificate_note: String,
    #[serde(default)]
    pub onsite_sessions: Vec<OnsiteSessionRecord>,
}

/// A candidate as the exam system exports it. Gender and birth date may be left
/// out for a resident ID, which carries both.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CandidateRecord {
    admission_no: AdmissionNo,
    name: String,
    #[serde(default = "resident")]
    id_type: IdType,
    id_no: String,
    #[serde(default)]
    gender: Option<Gender>,
    #[serde(default)]
    birth_date: Option<Date>,
    #[serde(default)]
    ethnicity: String,
    #[serde(default)]
    political_status: String,
    #[serde(default)]
    native_place: String,
    #[serde(default)]
    education_level: String,
    #[serde(default)]
    occupation: String,
    #[serde(default)]
    employer: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    office_code: Option<OfficeCode>,
    #[serde(default)]
    major_code: Option<MajorCode>,
    #[serde(default)]
    examining_school_code: Option<SchoolCode>,
    #[serde(default)]
    course_group: String,
}

fn resident() -> IdType {
    IdType::ResidentId
}

impl CandidateRecord {
    pub(super) fn into_profile(self) -> Result<CandidateProfile, String> {
        let id = IdNo::parse(self.id_type, &self.id_no).map_err(|e| e.to_string())?;
        let (gender, birth_date) = match id.resident() {
            Some(r) => {
                let g = r.gender();
                let b = r.birth_date().ok_or("身份证号出生日期无效")?;
                if self.gender.is_some_and(|x| x != g) {
                    return Err(format!("性别与身份证号不符（身份证号表示{}）", g.label()));
                }
                if self.birth_date.is_some_and(|x| x != b) {
                    return Err(format!("出生日期与身份证号不符（身份证号表示 {b}）"));
                }
                (g, b)
            }
            None => (
                self.gender
                    .ok_or("非居民身份证的考生须填写 gender（性别）")?,
                self.birth_date
                    .ok_or("非居民身份证的考生须填写 birth_date（出生日期）")?,
            ),
        };
        if !self.ethnicity.is_empty() && ethnicity_label(&self.ethnicity).is_none() {
            return Err(format!(
                "民族代码“{}”不在 GB/T 3304 中（01–56）",
                self.ethnicity
            ));
        }
        if !self.political_status.is_empty()
            && label_of(POLITICAL_STATUS, &self.political_status).is_none()
        {
            return Err(format!(
                "政治面貌代码“{}”不在 GB/T 4762 中",
                self.political_status
            ));
        }
        if !self.education_level.is_empty()
            && label_of(EDUCATION_LEVEL, &self.education_level).is_none()
        {
            return Err(format!(
                "学历代码“{}”不在 GB/T 4658 中",
                self.education_level
            ));
        }
        let phone = if self.phone.trim().is_empty() {
            String::new()
        } else {
            PhoneNumber::parse(&self.phone)
                .map_err(|e| e.to_string())?
                .to_string()
        };
        Ok(CandidateProfile {
            admission_no: self.admission_no,
            name: check_person_name(&self.name)?,
            gender,
            id_type: id.id_type(),
            id_no: id.as_str().to_owned(),
            birth_date,
            ethnicity: self.ethnicity,
            political_status: self.political_status,
            native_place: check_text("籍贯", &self.native_place, 50)?,
            education_level: self.education_level,
            occupation: check_text("职业", &self.occupation, 50)?,
            employer: check_text("工作单位", &self.employer, 100)?,
            phone,
            address: check_text("通讯地址", &self.address, 100)?,
            office_code: self.office_code,
            major_code: self.major_code,
            examining_school_code: self.examining_school_code,
            course_group: check_text("课程组", &self.course_group, 20)?,
        })
    }
}

/// One row of a transcript. Exactly one of `score` and `grade` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRecord {
    pub admission_no: AdmissionNo,
    pub course_code: CourseCode,
    #[serde(default)]
    pub course_name: String,
    pub sitting: Sitting,
    #[serde(default = "exam")]
    pub obtained_by: ObtainedBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    #[serde(default)]
    pub credits: Option<u16>,
    #[serde(default = "valid")]
    pub status: ScoreStatus,
    #[serde(default)]
    pub major_code: Option<MajorCode>,
    #[serde(default)]
    pub examining_school_code: Option<SchoolCode>,
}

fn exam() -> ObtainedBy {
    ObtainedBy::Exam
}
fn valid() -> ScoreStatus {
    ScoreStatus::Valid
}

impl ScoreRecord {
    pub fn mark(&self) -> Result<Mark, String> {
        match (self.score, self.grade) {
            (Some(s), None) if s <= 100 => Ok(Mark::Score(s)),
            (Some(s), None) => Err(format!("成绩 {s} 超出 0–100")),
            (None, Some(g)) => Ok(Mark::Grade(g)),
            (Some(_), Some(_)) => Err("score（分数）与 grade（等级）只能填写一个".into()),
            (None, None) => Err("须填写 score（分数）或 grade（等级）".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViolationRecord {
    pub admission_no: AdmissionNo,
    pub sitting: Sitting,
    pub description: String,
    /// The candidate may graduate on or after this date.
    pub deferred_until: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// 学信网《教育部学历证书电子注册备案表》
    ChsiRecord,
    /// 《中国高等教育学历认证报告》
    CdgdcReport,
    /// 教育部留学服务中心《国外学历学位认证书》
    CscseForeign,
    /// 同时办理自考专科和本科毕业: the associate admission number
    SelfStudyAssociate,
    /// 应届毕业生, diploma number to follow
    PendingFreshGraduate,
}

impl Verification {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChsiRecord => "chsi_record",
            Self::CdgdcReport => "cdgdc_report",
            Self::CscseForeign => "cscse_foreign",
            Self::SelfStudyAssociate => "self_study_associate",
            Self::PendingFreshGraduate => "pending_fresh_graduate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorEducationStatus {
    Registered,
    Verified,
    Rejected,
}

impl PriorEducationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Verified => "verified",
            Self::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorEducationRecord {
    pub admission_no: AdmissionNo,
    /// The key of the plan's supplementary requirement this diploma falls under.
    pub category: String,
    pub verification: Verification,
    #[serde(default)]
    pub diploma_no: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub major: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub medical_related: bool,
    #[serde(default)]
    pub graduated_on: Option<Date>,
    #[serde(default)]
    pub associate_admission_no: Option<AdmissionNo>,
    pub registered_at: DateTime,
    pub status: PriorEducationStatus,
}

/// A certificate a candidate holds (职业资格, 执业证书, CET …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationRecord {
    pub admission_no: AdmissionNo,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub value: Option<i64>,
    #[serde(default)]
    pub valid_until: Option<Date>,
}

/// A graduation certificate already issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRecord {
    pub admission_no: AdmissionNo,
    pub certificate_no: String,
    pub major_code: MajorCode,
    pub level: Level,
    pub issued_on: Date,
    /// Courses this graduation counted (they cannot substitute again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub courses_used: Vec<CourseCode>,
}

/// 顶替 rule: passing every old course counts for the new one inside the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubstitutionRuleRecord {
    pub old_codes: Vec<CourseCode>,
    pub new_code: CourseCode,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
}

/// 免考 rule: a certificate (of at least `min_value`) exempts these courses together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionRuleRecord {
    pub certificate: String,
    #[serde(default)]
    pub min_value: Option<i64>,
    pub course_codes: Vec<CourseCode>,
}

/// 前期工作: a transfer, exemption or record correction and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreworkRecord {
    pub admission_no: AdmissionNo,
    pub kind: PreworkKind,
    pub status: PreworkStatus,
    pub requested_at: DateTime,
    #[serde(default)]
    pub completed_at: Option<DateTime>,
    /// Exemption: the certificate and the courses it exempts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub certificate: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub course_codes: Vec<CourseCode>,
    /// Transfer: where the record comes from (province, old admission number).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from_reference: String,
    /// Record correction: which field, from what, to what.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub old_value: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub new_value: String,
}

const CORRECTION_FIELDS: [&str; 6] = [
    "name",
    "gender",
    "id_no",
    "id_upgrade",
    "birth_date",
    "other",
];

impl PreworkRecord {
    pub(super) fn check(&self) -> Result<(), String> {
        if self.completed_at.is_some_and(|c| c < self.requested_at) {
            return Err("completed_at（办结时间）早于 requested_at（申请时间）".into());
        }
        match self.kind {
            PreworkKind::Exemption
                if self.certificate.trim().is_empty() || self.course_codes.is_empty() =>
            {
                Err("免考须填写 certificate（证书）和 course_codes（免考课程）".into())
            }
            PreworkKind::Transfer if self.from_reference.trim().is_empty() => {
                Err("转考须填写 from_reference（转出省份或原准考证号）".into())
            }
            PreworkKind::RecordCorrection if !CORRECTION_FIELDS.contains(&self.field.as_str()) => {
                Err(format!(
                    "考籍更正的 field 应为 {} 之一，收到“{}”",
                    CORRECTION_FIELDS.join("、"),
                    self.field
                ))
            }
            PreworkKind::RecordCorrection if self.new_value.trim().is_empty() => {
                Err("考籍更正须填写 new_value（更正后的值）".into())
            }
            _ => Ok(()),
        }
    }

    /// The natural key within its kind.
    pub fn key(&self) -> String {
        match self.kind {
            PreworkKind::Exemption => format!(
                "{} exemption {} {}",
                self.admission_no,
                self.certificate,
                join_codes(&self.course_codes)
            ),
            PreworkKind::Transfer => {
                format!("{} transfer {}", self.admission_no, self.from_reference)
            }
            PreworkKind::RecordCorrection => format!(
                "{} correction {} {}",
                self.admission_no, self.field, self.new_value
            ),
        }
    }
}

/// Course codes as the database stores a list of them.
pub fn join_codes(codes: &[CourseCode]) -> String {
    codes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
