//! Writes an import file in one transaction: every reference is checked
//! (all or nothing), then rows are upserted by their natural keys, so that
//! importing the same file twice changes nothing.
//!
//! A file is read in one pass and written a chunk at a time ([`import`]): a
//! blocking thread parses the next chunk while this task writes the last one,
//! so memory holds a few chunks whatever the file's size. Once any line is
//! refused the rest is still read and checked (every error is reported) but no
//! longer written, and the transaction is rolled back. Small reference files
//! (offices, batches, plans, rules) are one chunk: their writers look at the
//! whole file at once.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use sqlx::{AnyConnection, Row};

mod people;
mod plans;
mod prework;
mod reference;

use super::audit::{self, Actor};
use super::Db;
use crate::domain::AdmissionNo;
use crate::interchange::{Kind, LineError, LineErrors, Parsed, Reader, Records};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Rows inserted or updated.
    pub changed: u64,
    /// Records in the file.
    pub records: u64,
    /// What the file held (for messages).
    pub kind: Kind,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("文件中有 {} 处错误，未导入任何数据", .0.total)]
    Invalid(LineErrors),
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
}

/// Records per chunk: statements stay full (500 rows each) and a chunk's rows
/// are a few megabytes.
pub const CHUNK: usize = 5000;

/// Kinds whose records are written independently of each other, so a file of
/// them can be written a chunk at a time.
fn streams(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Offices
            | Kind::Batches
            | Kind::Plans
            | Kind::SubstitutionRules
            | Kind::ExemptionRules
    )
}

/// Imports a file read from `input`. `progress` is told the bytes read so far.
pub async fn import<R: BufRead + Send + 'static>(
    db: &Db,
    input: R,
    source: &str,
    now: jiff::Timestamp,
    chunk: usize,
    mut progress: impl FnMut(u64),
) -> Result<Outcome, ImportError> {
    let mut reader = Reader::open(input).map_err(ImportError::Invalid)?;
    let kind = reader.kind();
    let chunk = if streams(kind) {
        chunk.max(1)
    } else {
        usize::MAX
    };
    let (send, mut chunks) = tokio::sync::mpsc::channel::<(Parsed, u64, bool)>(2);
    let parse = tokio::task::spawn_blocking(move || {
        while let Some(parsed) = reader.next_chunk(chunk) {
            let at = (reader.consumed(), reader.has_errors());
            if send.blocking_send((parsed, at.0, at.1)).is_err() {
                break; // the writer gave up (a database error)
            }
        }
        reader.finish()
    });
    let mut tx = db.pool().begin().await?;
    let mut run = Run::new(&mut tx, kind).await?;
    while let Some((parsed, consumed, refused)) = chunks.recv().await {
        run.chunk(&parsed, refused, now).await?;
        progress(consumed);
    }
    let (outcome, mut errors) = run.end();
    let parse_errors = parse
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("import reader failed: {e}")))?;
    errors.merge(parse_errors);
    finish(tx, source, now, outcome, errors).await
}

/// Applies records already in memory, as one chunk (tests and small files).
pub async fn apply(
    db: &Db,
    parsed: &Parsed,
    source: &str,
    now: jiff::Timestamp,
) -> Result<Outcome, ImportError> {
    let kind = parsed.records.kind();
    let mut tx = db.pool().begin().await?;
    let mut run = Run::new(&mut tx, kind).await?;
    run.chunk(parsed, false, now).await?;
    let (outcome, errors) = run.end();
    finish(tx, source, now, outcome, errors).await
}

/// Commits what was written, with its audit entry, or rolls it all back.
async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    source: &str,
    now: jiff::Timestamp,
    outcome: Outcome,
    errors: LineErrors,
) -> Result<Outcome, ImportError> {
    if !errors.is_empty() {
        tx.rollback().await?;
        return Err(ImportError::Invalid(errors.sorted()));
    }
    if outcome.changed > 0 {
        audit::append(
            &mut tx,
            now,
            Actor::Cli,
            "import",
            outcome.kind.as_str(),
            source,
            serde_json::json!({ "records": outcome.records, "changed": outcome.changed }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

/// One file's import in progress: what its records are checked against
/// (loaded once), what was written and what was refused.
struct Run<'c> {
    conn: &'c mut AnyConnection,
    kind: Kind,
    candidate_ids: HashMap<String, i64>,
    codes: people::Codes,
    changed: u64,
    records: u64,
    errors: LineErrors,
}

impl<'c> Run<'c> {
    async fn new(conn: &'c mut AnyConnection, kind: Kind) -> Result<Run<'c>, sqlx::Error> {
        let needs_ids = streams(kind) && kind != Kind::Candidates;
        let candidate_ids = if needs_ids {
            candidate_ids(conn).await?
        } else {
            HashMap::new()
        };
        let codes = if kind == Kind::Candidates {
            people::Codes::load(conn).await?
        } else {
            people::Codes::default()
        };
        Ok(Run {
            conn,
            kind,
            candidate_ids,
            codes,
            changed: 0,
            records: 0,
            errors: LineErrors::default(),
        })
    }

    /// What was written, and what was refused.
    fn end(self) -> (Outcome, LineErrors) {
        let outcome = Outcome {
            changed: self.changed,
            records: self.records,
            kind: self.kind,
        };
        (outcome, self.errors)
    }

    /// Checks a chunk's references and, while nothing in the file has been
    /// refused (`refused`: by the reader), writes it.
    async fn chunk(
        &mut self,
        parsed: &Parsed,
        refused: bool,
        now: jiff::Timestamp,
    ) -> Result<(), sqlx::Error> {
        self.records += parsed.records.len() as u64;
        let mut refs = Refs {
            lines: &parsed.lines,
            errors: Vec::new(),
        };
        if !streams(self.kind) {
            if refused || !self.errors.is_empty() {
                return Ok(());
            }
            match whole(self.conn, &mut refs, parsed).await {
                Ok(n) => self.changed += n,
                Err(ImportError::Invalid(e)) => self.errors.merge(e),
                Err(ImportError::Db(e)) => return Err(e),
            }
            return Ok(());
        }
        self.check(&mut refs, &parsed.records);
        refs.errors.into_iter().for_each(|e| self.errors.push(e));
        if !refused && self.errors.is_empty() {
            self.changed += self.write(&parsed.records, now).await?;
        }
        Ok(())
    }

    fn check(&self, refs: &mut Refs<'_>, records: &Records) {
        let ids = &self.candidate_ids;
        match records {
            Records::Candidates(v) => people::check_candidates(&self.codes, refs, v),
            Records::Scores(v) => refs.candidates(ids, v.iter().map(|r| &r.admission_no)),
            Records::Violations(v) => refs.candidates(ids, v.iter().map(|r| &r.admission_no)),
            Records::PriorEducation(v) => refs.candidates(ids, v.iter().map(|r| &r.admission_no)),
            Records::Qualifications(v) => refs.candidates(ids, v.iter().map(|r| &r.admission_no)),
            Records::Certificates(v) => refs.candidates(ids, v.iter().map(|r| &r.admission_no)),
            Records::Prework(v) => refs.candidates(ids, v.iter().map(|r| &r.admission_no)),
            _ => {}
        }
    }

    async fn write(&mut self, records: &Records, now: jiff::Timestamp) -> Result<u64, sqlx::Error> {
        let (conn, ids) = (&mut *self.conn, &self.candidate_ids);
        match records {
            Records::Candidates(v) => people::candidates(conn, v, now).await,
            Records::Scores(v) => people::scores(conn, ids, v).await,
            Records::Violations(v) => people::violations(conn, ids, v).await,
            Records::PriorEducation(v) => people::prior_education(conn, ids, v).await,
            Records::Qualifications(v) => people::qualifications(conn, ids, v).await,
            Records::Certificates(v) => people::certificates(conn, ids, v).await,
            Records::Prework(v) => prework::write(conn, ids, v).await,
            _ => Ok(0),
        }
    }
}

/// The reference kinds, written from the whole file at once.
async fn whole(
    conn: &mut AnyConnection,
    refs: &mut Refs<'_>,
    parsed: &Parsed,
) -> Result<u64, ImportError> {
    Ok(match &parsed.records {
        Records::Offices(v) => reference::offices(conn, v).await?,
        Records::Batches(v) => reference::batches(conn, refs, v).await?,
        Records::Plans(v) => plans::write(conn, v).await?,
        Records::SubstitutionRules(v) => reference::substitution_rules(conn, v).await?,
        Records::ExemptionRules(v) => reference::exemption_rules(conn, v).await?,
        _ => 0,
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
            Err(ImportError::Invalid(
                std::mem::take(&mut self.errors).into(),
            ))
        }
    }
}
