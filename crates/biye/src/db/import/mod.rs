//! Writes a parsed import file in one transaction: every reference is checked
//! first (all or nothing), then rows are upserted by their natural keys, so that
//! importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};

mod people;
mod plans;
mod prework;
mod reference;

use super::audit::{self, Actor};
use super::Db;
use crate::domain::AdmissionNo;
use crate::interchange::{LineError, Parsed, Records};

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
pub async fn apply(
    db: &Db,
    parsed: &Parsed,
    source: &str,
    now: jiff::Timestamp,
) -> Result<Outcome, ImportError> {
    let mut tx = db.pool().begin().await?;
    let changed = write(&mut tx, parsed, now).await?;
    if changed > 0 {
        audit::append(
            &mut tx,
            now,
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

pub(super) async fn codes(
    conn: &mut AnyConnection,
    sql: &str,
) -> Result<HashSet<String>, sqlx::Error> {
    let rows = sqlx::query(sql).fetch_all(conn).await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>("code"))
        .collect()
}

async fn candidate_ids(conn: &mut AnyConnection) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT admission_no, id FROM candidates")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("admission_no")?, r.try_get("id")?)))
        .collect()
}

/// Collects "unknown reference" errors with the line of each record.
pub(super) struct Refs<'a> {
    lines: &'a [usize],
    errors: Vec<LineError>,
}

impl Refs<'_> {
    pub(super) fn require(&mut self, i: usize, ok: bool, message: impl FnOnce() -> String) {
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

    pub(super) fn finish(&mut self) -> Result<(), ImportError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ImportError::Invalid(std::mem::take(&mut self.errors)))
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

async fn write(
    conn: &mut AnyConnection,
    parsed: &Parsed,
    now: jiff::Timestamp,
) -> Result<u64, ImportError> {
    let mut refs = Refs {
        lines: &parsed.lines,
        errors: Vec::new(),
    };
    let changed = match &parsed.records {
        Records::Offices(v) => reference::offices(conn, v).await?,
        Records::Batches(v) => reference::batches(conn, &mut refs, v).await?,
        Records::Plans(v) => plans::write(conn, v).await?,
        Records::Candidates(v) => people::candidates(conn, &mut refs, v, now).await?,
        Records::Scores(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            people::scores(conn, &ids, v).await?
        }
        Records::Violations(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            people::violations(conn, &ids, v).await?
        }
        Records::PriorEducation(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            people::prior_education(conn, &ids, v).await?
        }
        Records::Qualifications(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            people::qualifications(conn, &ids, v).await?
        }
        Records::Certificates(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            people::certificates(conn, &ids, v).await?
        }
        Records::SubstitutionRules(v) => reference::substitution_rules(conn, v).await?,
        Records::ExemptionRules(v) => reference::exemption_rules(conn, v).await?,
        Records::Prework(v) => {
            let ids = known_candidates(conn, refs, v.iter().map(|r| &r.admission_no)).await?;
            prework::write(conn, &ids, v).await?
        }
    };
    Ok(changed)
}
