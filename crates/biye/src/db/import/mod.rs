//! Writes a parsed import file in one transaction: every reference is checked
//! first (all or nothing), then rows are upserted by their natural keys, so that
//! importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};

mod plans;
mod prework;

use super::audit::{self, Actor};
use super::upsert::Upsert;
use super::Db;
use crate::domain::AdmissionNo;
use crate::interchange::{join_codes, LineError, Parsed, Records};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Rows inserted or updated.
    pub changed: u64,
    /// Records in the file.
    pub records: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("文件中有 {} 处错误，未导入任何数据", .0.len())]
    Invalid(Vec<LineError>),
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
}

/// Applies a parsed file. Nothing is written unless every record can be.
pub async fn apply(db: &Db, parsed: &Parsed, source: &str) -> Result<Outcome, ImportError> {
    let mut tx = db.pool().begin().await?;
    let changed = write(&mut tx, parsed).await?;
    if changed > 0 {
        audit::append(
            &mut tx,
            Actor::Cli,
            "import",
            parsed.records.kind().as_str(),
            source,
            serde_json::json!({ "records": parsed.records.len(), "changed": changed }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Outcome {
        changed,
        records: parsed.records.len() as u64,
    })
}

fn now() -> String {
    super::timestamp(jiff::Timestamp::now())
}

async fn codes(conn: &mut AnyConnection, sql: &str) -> Result<HashSet<String>, sqlx::Error> {
    let rows = sqlx::query(sql).fetch_all(conn).await?;
    rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
}

async fn candidate_ids(conn: &mut AnyConnection) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT admission_no, id FROM candidates")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Collects "unknown reference" errors with the line of each record.
struct Refs<'a> {
    lines: &'a [usize],
    errors: Vec<LineError>,
}

impl Refs<'_> {
    fn require(&mut self, i: usize, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            self.errors.push(LineError {
                line: self.lines.get(i).copied().unwrap_or(0),
                message: message(),
            });
        }
    }
    /// Every record must name a candidate already in the database.
    fn candidates<'b>(
        &mut self,
        ids: &HashMap<String, i64>,
        nos: impl Iterator<Item = &'b AdmissionNo>,
    ) {
        for (i, no) in nos.enumerate() {
            let a = no.as_str();
            self.require(i, ids.contains_key(a), || {
                format!("准考证号 {a} 的考生不存在（请先导入考生）")
            });
        }
    }

    fn finish(self) -> Result<(), ImportError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ImportError::Invalid(self.errors))
        }
    }
}

/// The candidate ids, when every record names a candidate already in the
/// database; otherwise the whole file is refused with each unknown line.
async fn known_candidates<'b>(
    conn: &mut AnyConnection,
    mut refs: Refs<'_>,
    nos: impl Iterator<Item = &'b AdmissionNo>,
) -> Result<HashMap<String, i64>, ImportError> {
    let ids = candidate_ids(conn).await?;
    refs.candidates(&ids, nos);
    refs.finish()?;
    Ok(ids)
}

async fn write(conn: &mut AnyConnection, parsed: &Parsed) -> Result<u64, ImportError> {
    let mut refs = Refs {
        lines: &parsed.lines,
        errors: Vec::new(),
    };
    let changed = match &parsed.records {
        Records::Offices(v) => {
            let rows = v
                .iter()
                .map(|r| {
                    vec![
                        r.code.as_str().into(),
                        r.name.as_str().into(),
                        r.address.as_str().into(),
                        r.phone.as_str().into(),
                    ]
                })
                .collect();
            Upsert {
                table: "offices",
                columns: &["code", "name", "address", "phone"],
                keys: &["code"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::Batches(v) => {
            let offices = codes(conn, "SELECT code FROM offices").await?;
            for (i, b) in v.iter().enumerate() {
                for s in &b.onsite_sessions {
                    refs.require(i, offices.contains(s.office_code.as_str()), || {
                        format!("现场审核地点 {} 不存在（请先导入办理地点）", s.office_code)
                    });
                }
            }
            refs.finish()?;
            let rows = v
                .iter()
                .map(|b| {
                    vec![
                        b.code.to_string().into(),
                        b.name.as_str().into(),
                        b.application_opens.to_string().into(),
                        b.application_closes.to_string().into(),
                        b.prework_due.to_string().into(),
                        b.prior_education_due.to_string().into(),
                        b.prior_education_supplement_due.to_string().into(),
                        b.materials_due.to_string().into(),
                        b.graduation_date.to_string().into(),
                        b.certificate_note.as_str().into(),
                    ]
                })
                .collect();
            let mut n = Upsert {
                table: "batches",
                columns: &[
                    "code",
                    "name",
                    "application_opens",
                    "application_closes",
                    "prework_due",
                    "prior_education_due",
                    "prior_education_supplement_due",
                    "materials_due",
                    "graduation_date",
                    "certificate_note",
                ],
                keys: &["code"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?;
            let sessions = v
                .iter()
                .flat_map(|b| {
                    b.onsite_sessions.iter().map(move |s| {
                        vec![
                            b.code.to_string().into(),
                            s.office_code.as_str().into(),
                            s.opens.to_string().into(),
                            s.closes.to_string().into(),
                            s.location.as_str().into(),
                        ]
                    })
                })
                .collect();
            n += Upsert {
                table: "onsite_sessions",
                columns: &["batch_code", "office_code", "opens", "closes", "location"],
                keys: &["batch_code", "office_code", "opens"],
                untracked: &[],
            }
            .run(conn, sessions)
            .await?;
            n
        }
        Records::Plans(v) => plans::write(conn, v).await?,
        Records::Candidates(v) => {
            let offices = codes(conn, "SELECT code FROM offices").await?;
            let majors = codes(conn, "SELECT code FROM majors").await?;
            let schools = codes(conn, "SELECT code FROM examining_schools").await?;
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
            refs.finish()?;
            let now = now();
            let rows = v
                .iter()
                .map(|c| {
                    vec![
                        c.admission_no.as_str().into(),
                        c.name.as_str().into(),
                        c.gender.as_str().into(),
                        c.id_type.as_str().into(),
                        c.id_no.as_str().into(),
                        c.birth_date.to_string().into(),
                        c.ethnicity.as_str().into(),
                        c.political_status.as_str().into(),
                        c.native_place.as_str().into(),
                        c.education_level.as_str().into(),
                        c.occupation.as_str().into(),
                        c.employer.as_str().into(),
                        c.phone.as_str().into(),
                        c.address.as_str().into(),
                        c.office_code.as_ref().map(|x| x.to_string()).into(),
                        c.major_code.as_ref().map(|x| x.to_string()).into(),
                        c.examining_school_code
                            .as_ref()
                            .map(|x| x.to_string())
                            .into(),
                        c.course_group.as_str().into(),
                        now.as_str().into(),
                    ]
                })
                .collect();
            Upsert {
                table: "candidates",
                columns: &[
                    "admission_no",
                    "name",
                    "gender",
                    "id_type",
                    "id_no",
                    "birth_date",
                    "ethnicity",
                    "political_status",
                    "native_place",
                    "education_level",
                    "occupation",
                    "employer",
                    "phone",
                    "address",
                    "office_code",
                    "major_code",
                    "examining_school_code",
                    "course_group",
                    "updated_at",
                ],
                keys: &["admission_no"],
                untracked: &["updated_at"],
            }
            .run(conn, rows)
            .await?
        }
        Records::Scores(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            let rows = v
                .iter()
                .map(|s| {
                    let (score, grade) = match s.mark() {
                        Ok(crate::domain::score::Mark::Score(x)) => (Some(i64::from(x)), None),
                        Ok(crate::domain::score::Mark::Grade(g)) => (None, Some(g.as_str())),
                        Err(_) => (None, None), // refused when the file was read
                    };
                    vec![
                        ids[s.admission_no.as_str()].into(),
                        s.course_code.as_str().into(),
                        s.course_name.as_str().into(),
                        s.sitting.to_string().into(),
                        s.obtained_by.as_str().into(),
                        score.into(),
                        grade.into(),
                        s.credits.map(i64::from).into(),
                        s.status.as_str().into(),
                        s.major_code.as_ref().map(|x| x.to_string()).into(),
                        s.examining_school_code
                            .as_ref()
                            .map(|x| x.to_string())
                            .into(),
                    ]
                })
                .collect();
            Upsert {
                table: "scores",
                columns: &[
                    "candidate_id",
                    "course_code",
                    "course_name",
                    "sitting",
                    "obtained_by",
                    "score",
                    "grade",
                    "credits",
                    "status",
                    "major_code",
                    "examining_school_code",
                ],
                keys: &["candidate_id", "course_code", "sitting", "obtained_by"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::Violations(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            let rows = v
                .iter()
                .map(|r| {
                    vec![
                        ids[r.admission_no.as_str()].into(),
                        r.sitting.to_string().into(),
                        r.description.as_str().into(),
                        r.deferred_until.to_string().into(),
                    ]
                })
                .collect();
            Upsert {
                table: "violations",
                columns: &["candidate_id", "sitting", "description", "deferred_until"],
                keys: &["candidate_id", "sitting", "description"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::PriorEducation(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            let rows = v
                .iter()
                .map(|r| {
                    vec![
                        ids[r.admission_no.as_str()].into(),
                        r.category.as_str().into(),
                        r.verification.as_str().into(),
                        r.diploma_no.as_str().into(),
                        r.school.as_str().into(),
                        r.major.as_str().into(),
                        r.level.as_str().into(),
                        i64::from(r.medical_related).into(),
                        r.graduated_on.map(|d| d.to_string()).into(),
                        r.associate_admission_no
                            .as_ref()
                            .map(|a| a.to_string())
                            .into(),
                        r.registered_at.to_string().into(),
                        r.status.as_str().into(),
                    ]
                })
                .collect();
            Upsert {
                table: "prior_educations",
                columns: &[
                    "candidate_id",
                    "category",
                    "verification",
                    "diploma_no",
                    "school",
                    "major",
                    "level",
                    "medical_related",
                    "graduated_on",
                    "associate_admission_no",
                    "registered_at",
                    "status",
                ],
                keys: &["candidate_id"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::Qualifications(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            let rows = v
                .iter()
                .map(|r| {
                    vec![
                        ids[r.admission_no.as_str()].into(),
                        r.kind.as_str().into(),
                        r.title.as_str().into(),
                        r.value.into(),
                        r.valid_until.map(|d| d.to_string()).into(),
                    ]
                })
                .collect();
            Upsert {
                table: "candidate_certificates",
                columns: &["candidate_id", "kind", "title", "value", "valid_until"],
                keys: &["candidate_id", "kind", "title"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::Certificates(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            let rows = v
                .iter()
                .map(|r| {
                    vec![
                        ids[r.admission_no.as_str()].into(),
                        r.certificate_no.as_str().into(),
                        r.major_code.as_str().into(),
                        r.level.as_str().into(),
                        r.issued_on.to_string().into(),
                        join_codes(&r.courses_used).into(),
                    ]
                })
                .collect();
            Upsert {
                table: "certificates",
                columns: &[
                    "candidate_id",
                    "certificate_no",
                    "major_code",
                    "level",
                    "issued_on",
                    "courses_used",
                ],
                keys: &["certificate_no"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::SubstitutionRules(v) => {
            let rows = v
                .iter()
                .map(|r| {
                    vec![
                        join_codes(&r.old_codes).into(),
                        r.new_code.as_str().into(),
                        r.valid_from.to_string().into(),
                        r.valid_to.map(|d| d.to_string()).into(),
                    ]
                })
                .collect();
            Upsert {
                table: "substitution_rules",
                columns: &["old_codes", "new_code", "valid_from", "valid_to"],
                keys: &["old_codes", "new_code", "valid_from"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::ExemptionRules(v) => {
            let rows = v
                .iter()
                .map(|r| {
                    vec![
                        r.certificate.as_str().into(),
                        r.min_value.into(),
                        join_codes(&r.course_codes).into(),
                    ]
                })
                .collect();
            Upsert {
                table: "exemption_rules",
                columns: &["certificate", "min_value", "course_codes"],
                keys: &["certificate", "course_codes"],
                untracked: &[],
            }
            .run(conn, rows)
            .await?
        }
        Records::Prework(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            prework::write(conn, &ids, v).await?
        }
    };
    Ok(changed)
}
