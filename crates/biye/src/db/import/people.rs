//! Importing candidates and what belongs to each: scores, violations, prior
//! education, qualifications and certificates issued. Every record but a
//! candidate names one already in the database (checked by the caller).

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use super::{codes, Refs};
use crate::db::upsert::Upsert;
use crate::domain::candidate::CandidateProfile;
use crate::domain::score::Mark;
use crate::interchange::{
    join_codes, CertificateRecord, PriorEducationRecord, QualificationRecord, ScoreRecord,
    ViolationRecord,
};
use crate::row;

type Ids = HashMap<String, i64>;

fn plain(table: &'static str, keys: &'static [&'static str]) -> Upsert<'static> {
    Upsert {
        table,
        keys,
        untracked: &[],
    }
}

/// The codes a candidate may name, loaded once per file.
#[derive(Default)]
pub(super) struct Codes {
    offices: HashSet<String>,
    majors: HashSet<String>,
    schools: HashSet<String>,
}

impl Codes {
    pub(super) async fn load(conn: &mut AnyConnection) -> Result<Self, sqlx::Error> {
        Ok(Codes {
            offices: codes(conn, "SELECT code FROM offices").await?,
            majors: codes(conn, "SELECT code FROM majors").await?,
            schools: codes(conn, "SELECT code FROM examining_schools").await?,
        })
    }
}

/// Every office, major and examining school a candidate names must exist.
pub(super) fn check_candidates(known: &Codes, refs: &mut Refs<'_>, v: &[CandidateProfile]) {
    let Codes {
        offices,
        majors,
        schools,
    } = known;
    for (i, c) in v.iter().enumerate() {
        if let Some(o) = &c.office_code {
            refs.require(i, offices.contains(o.as_str()), || {
                format!("办理地点 {o} 不存在")
            });
        }
        if let Some(m) = &c.major_code {
            refs.require(i, majors.contains(m.as_str()), || {
                format!("专业 {m} 不存在（请先导入考试计划）")
            });
        }
        if let Some(s) = &c.examining_school_code {
            refs.require(i, schools.contains(s.as_str()), || {
                format!("主考学校 {s} 不存在（请先导入考试计划）")
            });
        }
    }
}

pub(super) async fn candidates(
    conn: &mut AnyConnection,
    v: &[CandidateProfile],
    now: jiff::Timestamp,
) -> Result<u64, sqlx::Error> {
    let now = crate::db::timestamp(now);
    let rows = v
        .iter()
        .map(|c| {
            row! {
                "admission_no" => c.admission_no.as_str(),
                "name" => c.name.as_str(),
                "gender" => c.gender.as_str(),
                "id_type" => c.id_type.as_str(),
                "id_no" => c.id_no.as_str(),
                "birth_date" => c.birth_date.to_string(),
                "ethnicity" => c.ethnicity.as_str(),
                "political_status" => c.political_status.as_str(),
                "native_place" => c.native_place.as_str(),
                "education_level" => c.education_level.as_str(),
                "occupation" => c.occupation.as_str(),
                "employer" => c.employer.as_str(),
                "phone" => c.phone.as_str(),
                "address" => c.address.as_str(),
                "office_code" => c.office_code.as_ref().map(|x| x.to_string()),
                "major_code" => c.major_code.as_ref().map(|x| x.to_string()),
                "examining_school_code" => c.examining_school_code.as_ref().map(|x| x.to_string()),
                "course_group" => c.course_group.as_str(),
                "updated_at" => now.as_str(),
            }
        })
        .collect();
    let upsert = Upsert {
        table: "candidates",
        keys: &["admission_no"],
        untracked: &["updated_at"],
    };
    upsert.run(conn, rows).await
}

pub(super) async fn scores(
    conn: &mut AnyConnection,
    ids: &Ids,
    v: &[ScoreRecord],
) -> Result<u64, sqlx::Error> {
    let rows = v
        .iter()
        .map(|s| {
            let (score, grade) = match s.mark() {
                Ok(Mark::Score(x)) => (Some(i64::from(x)), None),
                Ok(Mark::Grade(g)) => (None, Some(g.as_str())),
                Err(_) => (None, None), // refused when the file was read
            };
            row! {
                "candidate_id" => ids[s.admission_no.as_str()],
                "course_code" => s.course_code.as_str(),
                "course_name" => s.course_name.as_str(),
                "sitting" => s.sitting.to_string(),
                "obtained_by" => s.obtained_by.as_str(),
                "score" => score,
                "grade" => grade,
                "credits" => s.credits.map(i64::from),
                "status" => s.status.as_str(),
                "major_code" => s.major_code.as_ref().map(|x| x.to_string()),
                "examining_school_code" => s.examining_school_code.as_ref().map(|x| x.to_string()),
            }
        })
        .collect();
    let keys = &["candidate_id", "course_code", "sitting", "obtained_by"];
    plain("scores", keys).run(conn, rows).await
}

pub(super) async fn violations(
    conn: &mut AnyConnection,
    ids: &Ids,
    v: &[ViolationRecord],
) -> Result<u64, sqlx::Error> {
    let rows = v
        .iter()
        .map(|r| {
            row! {
                "candidate_id" => ids[r.admission_no.as_str()],
                "sitting" => r.sitting.to_string(),
                "description" => r.description.as_str(),
                "deferred_until" => r.deferred_until.to_string(),
            }
        })
        .collect();
    let keys = &["candidate_id", "sitting", "description"];
    plain("violations", keys).run(conn, rows).await
}

pub(super) async fn prior_education(
    conn: &mut AnyConnection,
    ids: &Ids,
    v: &[PriorEducationRecord],
) -> Result<u64, sqlx::Error> {
    let rows = v
        .iter()
        .map(|r| {
            row! {
                "candidate_id" => ids[r.admission_no.as_str()],
                "category" => r.category.as_str(),
                "verification" => r.verification.as_str(),
                "diploma_no" => r.diploma_no.as_str(),
                "school" => r.school.as_str(),
                "major" => r.major.as_str(),
                "level" => r.level.as_str(),
                "medical_related" => i64::from(r.medical_related),
                "graduated_on" => r.graduated_on.map(|d| d.to_string()),
                "associate_admission_no" => r.associate_admission_no.as_ref().map(|a| a.to_string()),
                "registered_at" => r.registered_at.to_string(),
                "status" => r.status.as_str(),
            }
        })
        .collect();
    plain("prior_educations", &["candidate_id"])
        .run(conn, rows)
        .await
}

pub(super) async fn qualifications(
    conn: &mut AnyConnection,
    ids: &Ids,
    v: &[QualificationRecord],
) -> Result<u64, sqlx::Error> {
    let rows = v
        .iter()
        .map(|r| {
            row! {
                "candidate_id" => ids[r.admission_no.as_str()],
                "kind" => r.kind.as_str(),
                "title" => r.title.as_str(),
                "value" => r.value,
                "valid_until" => r.valid_until.map(|d| d.to_string()),
            }
        })
        .collect();
    let keys = &["candidate_id", "kind", "title"];
    plain("candidate_certificates", keys).run(conn, rows).await
}

pub(super) async fn certificates(
    conn: &mut AnyConnection,
    ids: &Ids,
    v: &[CertificateRecord],
) -> Result<u64, sqlx::Error> {
    let rows = v
        .iter()
        .map(|r| {
            row! {
                "candidate_id" => ids[r.admission_no.as_str()],
                "certificate_no" => r.certificate_no.as_str(),
                "major_code" => r.major_code.as_str(),
                "level" => r.level.as_str(),
                "issued_on" => r.issued_on.to_string(),
                "courses_used" => join_codes(&r.courses_used),
            }
        })
        .collect();
    plain("certificates", &["certificate_no"])
        .run(conn, rows)
        .await
}
