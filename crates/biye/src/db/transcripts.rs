//! What the graduation audit reads: a candidate's transcript, violations,
//! prior education, certificates held and issued, and pre-work; the batch's
//! substitution and exemption rules. One candidate at a time for pages, or
//! the whole province streamed in candidate order for the bulk audit.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::bad;
use crate::domain::audit::{
    ExemptionRule, Facts, IssuedCertificate, Prework, PreworkKind, PreworkStatus, PriorEducation,
    PriorStatus, Qualification, ScoreRow, SubstitutionRule, Violation,
};
use crate::domain::score::{Grade, Mark, ObtainedBy, ScoreStatus};
use crate::domain::{CourseCode, Level, MajorCode, SchoolCode, Sitting};

fn codes(list: &str) -> Result<Vec<CourseCode>, sqlx::Error> {
    list.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| CourseCode::parse(c).map_err(|_| bad("course codes")))
        .collect()
}

fn date<T: std::str::FromStr>(s: &str, col: &str) -> Result<T, sqlx::Error> {
    s.parse().map_err(|_| bad(col))
}

pub async fn rules(
    pool: &AnyPool,
) -> Result<(Vec<SubstitutionRule>, Vec<ExemptionRule>), sqlx::Error> {
    let subs = sqlx::query(
        "SELECT old_codes, new_code, valid_from, valid_to FROM substitution_rules ORDER BY id",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let to: Option<String> = r.try_get("valid_to")?;
        Ok(SubstitutionRule {
            old: codes(&r.try_get::<String, _>("old_codes")?)?,
            new: CourseCode::parse(&r.try_get::<String, _>("new_code")?)
                .map_err(|_| bad("new_code"))?,
            valid_from: date(&r.try_get::<String, _>("valid_from")?, "valid_from")?,
            valid_to: to.as_deref().map(|t| date(t, "valid_to")).transpose()?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let exemptions =
        sqlx::query("SELECT certificate, min_value, course_codes FROM exemption_rules ORDER BY id")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ExemptionRule {
                    certificate: r.try_get("certificate")?,
                    min_value: r.try_get("min_value")?,
                    courses: codes(&r.try_get::<String, _>("course_codes")?)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
    Ok((subs, exemptions))
}

const SCORE_COLUMNS: &str =
    "candidate_id, course_code, course_name, sitting, obtained_by, score, grade, credits, \
    status, major_code, examining_school_code";

fn score(r: &AnyRow) -> Result<ScoreRow, sqlx::Error> {
    let mark = match (
        r.try_get::<Option<i64>, _>("score")?,
        r.try_get::<Option<String>, _>("grade")?,
    ) {
        (Some(s), _) => Mark::Score(u8::try_from(s).map_err(|_| bad("score"))?),
        (None, Some(g)) => Mark::Grade(Grade::from_db(&g).ok_or_else(|| bad("grade"))?),
        (None, None) => return Err(bad("score")),
    };
    let opt = |c: &str| r.try_get::<Option<String>, _>(c);
    Ok(ScoreRow {
        course: CourseCode::parse(&r.try_get::<String, _>("course_code")?)
            .map_err(|_| bad("course_code"))?,
        course_name: r.try_get("course_name")?,
        sitting: Sitting::parse(&r.try_get::<String, _>("sitting")?).map_err(|_| bad("sitting"))?,
        obtained_by: ObtainedBy::from_db(&r.try_get::<String, _>("obtained_by")?)
            .ok_or_else(|| bad("obtained_by"))?,
        mark,
        credits: r
            .try_get::<Option<i64>, _>("credits")?
            .and_then(|c| u16::try_from(c).ok()),
        status: ScoreStatus::from_db(&r.try_get::<String, _>("status")?)
            .ok_or_else(|| bad("status"))?,
        major: opt("major_code")?
            .map(|m| MajorCode::parse(&m))
            .transpose()
            .map_err(|_| bad("major_code"))?,
        school: opt("examining_school_code")?
            .map(|s| SchoolCode::parse(&s))
            .transpose()
            .map_err(|_| bad("examining_school_code"))?,
    })
}

/// Each candidate's transcript as one row: `course|sitting|obtained_by|score|
/// grade|status|major|school` joined by `;`. Two hundred thousand rows
/// instead of two million is what makes a province-wide audit fast: the
/// database driver's cost is per row, not per byte. `string_agg` is standard
/// in PostgreSQL and in SQLite since 3.44.
const BULK_TRANSCRIPTS: &str = "SELECT candidate_id, string_agg(course_code || '|' || sitting || '|' || obtained_by \
    || '|' || COALESCE(CAST(score AS TEXT), '') || '|' || COALESCE(grade, '') || '|' || status || '|' \
    || COALESCE(major_code, '') || '|' || COALESCE(examining_school_code, ''), ';') AS transcript \
    FROM scores GROUP BY candidate_id ORDER BY candidate_id";

/// Parses one row of [`BULK_TRANSCRIPTS`]. Names and credits are left out:
/// the audit takes both from the plan.
fn transcript(lines: &str) -> Result<Vec<ScoreRow>, sqlx::Error> {
    lines
        .split(';')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            let [course, sitting, by, score, grade, status, major, school] = f[..] else {
                return Err(bad("transcript"));
            };
            let mark = match (score, grade) {
                ("", g) => Mark::Grade(Grade::from_db(g).ok_or_else(|| bad("grade"))?),
                (s, _) => Mark::Score(s.parse().map_err(|_| bad("score"))?),
            };
            let opt = |v: &str| (!v.is_empty()).then(|| v.to_owned());
            Ok(ScoreRow {
                course: CourseCode::parse(course).map_err(|_| bad("course_code"))?,
                course_name: String::new(),
                sitting: Sitting::parse(sitting).map_err(|_| bad("sitting"))?,
                obtained_by: ObtainedBy::from_db(by).ok_or_else(|| bad("obtained_by"))?,
                mark,
                credits: None,
                status: ScoreStatus::from_db(status).ok_or_else(|| bad("status"))?,
                major: opt(major)
                    .map(|m| MajorCode::parse(&m))
                    .transpose()
                    .map_err(|_| bad("major_code"))?,
                school: opt(school)
                    .map(|s| SchoolCode::parse(&s))
                    .transpose()
                    .map_err(|_| bad("examining_school_code"))?,
            })
        })
        .collect()
}

fn prework_status(s: &str) -> Result<PreworkStatus, sqlx::Error> {
    match s {
        "requested" => Ok(PreworkStatus::Requested),
        "approved" => Ok(PreworkStatus::Approved),
        "rejected" => Ok(PreworkStatus::Rejected),
        _ => Err(bad("status")),
    }
}

/// The tables `extras` reads, each keyed by an indexed `candidate_id`.
const EXTRA_TABLES: [&str; 7] = [
    "violations",
    "prior_educations",
    "candidate_certificates",
    "certificates",
    "exemptions",
    "transfers",
    "record_corrections",
];

/// Which of `EXTRA_TABLES` hold rows of the candidate, in one query: most
/// candidates have none, and a prediction page then reads one row instead
/// of making seven queries.
async fn tables_with_rows_of(pool: &AnyPool, id: i64) -> Result<Vec<&'static str>, sqlx::Error> {
    let columns: Vec<String> = EXTRA_TABLES
        .iter()
        .map(|t| {
            format!(
                "CAST(CASE WHEN EXISTS (SELECT 1 FROM {t} WHERE candidate_id = $1) \
                 THEN 1 ELSE 0 END AS BIGINT) AS {t}"
            )
        })
        .collect();
    let row = sqlx::query(&format!("SELECT {}", columns.join(", ")))
        .bind(id)
        .fetch_one(pool)
        .await?;
    let mut present = Vec::new();
    for t in EXTRA_TABLES {
        if row.try_get::<i64, _>(t)? != 0 {
            present.push(t);
        }
    }
    Ok(present)
}

/// Everything but the transcript, for the candidates given (all when `None`),
/// keyed by candidate id. These tables are small next to `scores`.
async fn extras(pool: &AnyPool, only: Option<i64>) -> Result<HashMap<i64, Facts>, sqlx::Error> {
    let mut out: HashMap<i64, Facts> = HashMap::new();
    let present = match only {
        Some(id) => tables_with_rows_of(pool, id).await?,
        None => EXTRA_TABLES.to_vec(),
    };
    // Ordered by id so that single and bulk loads list things alike.
    let fetch = |table: &'static str, columns: &str| {
        let sql = match only {
            Some(_) => format!("{columns} FROM {table} WHERE candidate_id = $1 ORDER BY id"),
            None => format!("{columns} FROM {table} ORDER BY id"),
        };
        let wanted = present.contains(&table);
        async move {
            if !wanted {
                return Ok(Vec::new());
            }
            let q = sqlx::query(&sql);
            match only {
                Some(id) => q.bind(id).fetch_all(pool).await,
                None => q.fetch_all(pool).await,
            }
        }
    };
    for r in fetch(
        "violations",
        "SELECT candidate_id, sitting, description, deferred_until",
    )
    .await?
    {
        out.entry(r.try_get("candidate_id")?)
            .or_default()
            .violations
            .push(Violation {
                sitting: Sitting::parse(&r.try_get::<String, _>("sitting")?)
                    .map_err(|_| bad("sitting"))?,
                description: r.try_get("description")?,
                deferred_until: date(&r.try_get::<String, _>("deferred_until")?, "deferred_until")?,
            });
    }
    for r in fetch(
        "prior_educations",
        "SELECT candidate_id, category, verification, medical_related, registered_at, status",
    )
    .await?
    {
        let status = match r.try_get::<String, _>("status")?.as_str() {
            "registered" => PriorStatus::Registered,
            "verified" => PriorStatus::Verified,
            "rejected" => PriorStatus::Rejected,
            _ => return Err(bad("status")),
        };
        out.entry(r.try_get("candidate_id")?)
            .or_default()
            .prior_education = Some(PriorEducation {
            category: r.try_get("category")?,
            pending_diploma: r.try_get::<String, _>("verification")? == "pending_fresh_graduate",
            medical_related: r.try_get::<i64, _>("medical_related")? != 0,
            registered_at: date(&r.try_get::<String, _>("registered_at")?, "registered_at")?,
            status,
        });
    }
    for r in fetch(
        "candidate_certificates",
        "SELECT candidate_id, kind, title, value, valid_until",
    )
    .await?
    {
        let until: Option<String> = r.try_get("valid_until")?;
        out.entry(r.try_get("candidate_id")?)
            .or_default()
            .qualifications
            .push(Qualification {
                kind: r.try_get("kind")?,
                title: r.try_get("title")?,
                value: r.try_get("value")?,
                valid_until: until
                    .as_deref()
                    .map(|u| date(u, "valid_until"))
                    .transpose()?,
            });
    }
    for r in fetch(
        "certificates",
        "SELECT candidate_id, certificate_no, major_code, level, issued_on, courses_used",
    )
    .await?
    {
        out.entry(r.try_get("candidate_id")?)
            .or_default()
            .certificates
            .push(IssuedCertificate {
                certificate_no: r.try_get("certificate_no")?,
                major: MajorCode::parse(&r.try_get::<String, _>("major_code")?)
                    .map_err(|_| bad("major_code"))?,
                level: Level::from_db(&r.try_get::<String, _>("level")?)
                    .ok_or_else(|| bad("level"))?,
                issued_on: date(&r.try_get::<String, _>("issued_on")?, "issued_on")?,
                courses_used: codes(&r.try_get::<String, _>("courses_used")?)?,
            });
    }
    let prework_sql = [
        ("exemptions", "SELECT candidate_id, status, requested_at, completed_at, certificate, course_codes"),
        ("transfers", "SELECT candidate_id, status, requested_at, completed_at, '' AS certificate, '' AS course_codes"),
        ("record_corrections", "SELECT candidate_id, status, requested_at, completed_at, '' AS certificate, '' AS course_codes"),
    ];
    for (table, sql) in prework_sql {
        for r in fetch(table, sql).await? {
            let done: Option<String> = r.try_get("completed_at")?;
            out.entry(r.try_get("candidate_id")?)
                .or_default()
                .prework
                .push(Prework {
                    kind: match table {
                        "exemptions" => PreworkKind::Exemption,
                        "transfers" => PreworkKind::Transfer,
                        _ => PreworkKind::RecordCorrection,
                    },
                    status: prework_status(&r.try_get::<String, _>("status")?)?,
                    requested_at: date(&r.try_get::<String, _>("requested_at")?, "requested_at")?,
                    completed_at: done
                        .as_deref()
                        .map(|d| date(d, "completed_at"))
                        .transpose()?,
                    certificate: r.try_get("certificate")?,
                    courses: codes(&r.try_get::<String, _>("course_codes")?)?,
                });
        }
    }
    Ok(out)
}

/// One candidate's facts.
pub async fn facts(pool: &AnyPool, candidate_id: i64) -> Result<Facts, sqlx::Error> {
    let mut f = extras(pool, Some(candidate_id))
        .await?
        .remove(&candidate_id)
        .unwrap_or_default();
    let sql = format!("SELECT {SCORE_COLUMNS} FROM scores WHERE candidate_id = $1 ORDER BY id");
    f.scores = sqlx::query(&sql)
        .bind(candidate_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(score)
        .collect::<Result<_, _>>()?;
    Ok(f)
}

/// Calls `f` with the facts of every candidate in `ids` (ascending), reading
/// the transcripts as one stream in candidate order.
pub async fn for_each(
    pool: &AnyPool,
    ids: &[i64],
    mut f: impl FnMut(usize, Facts),
) -> Result<(), sqlx::Error> {
    let mut extras = extras(pool, None).await?;
    let mut rows = sqlx::query(BULK_TRANSCRIPTS).fetch(pool);
    let mut at = 0usize;
    let mut take = |at: usize, scores: Vec<ScoreRow>| {
        let mut facts = extras.remove(&ids[at]).unwrap_or_default();
        facts.scores = scores;
        f(at, facts);
    };
    while let Some(r) = rows.try_next().await? {
        let id: i64 = r.try_get("candidate_id")?;
        // Candidates without any score row come between the transcripts.
        while at < ids.len() && ids[at] < id {
            take(at, Vec::new());
            at += 1;
        }
        if at < ids.len() && ids[at] == id {
            take(at, transcript(&r.try_get::<String, _>("transcript")?)?);
            at += 1;
        }
    }
    while at < ids.len() {
        take(at, Vec::new());
        at += 1;
    }
    Ok(())
}

/// Who a bulk audit covers.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The batch's applicants only (with the plan they applied under); `None`:
    /// every candidate, under the plan of their registered major.
    pub applicants_of: Option<String>,
    pub office: Option<String>,
}

/// A candidate to audit, in ascending id order.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: i64,
    pub admission_no: String,
    pub name: String,
    pub office_code: String,
    /// The plan applied under; `None`: choose by major, school and group.
    pub plan_id: Option<i64>,
    pub major_code: String,
    pub examining_school_code: String,
    pub course_group: String,
}

pub async fn subjects(pool: &AnyPool, scope: &Scope) -> Result<Vec<Subject>, sqlx::Error> {
    query_subjects(pool, scope, "").await
}

/// One candidate by admission number, if in scope.
pub async fn subject(
    pool: &AnyPool,
    scope: &Scope,
    admission_no: &str,
) -> Result<Option<Subject>, sqlx::Error> {
    Ok(query_subjects(pool, scope, admission_no)
        .await?
        .into_iter()
        .next())
}

async fn query_subjects(
    pool: &AnyPool,
    scope: &Scope,
    admission_no: &str,
) -> Result<Vec<Subject>, sqlx::Error> {
    // Only the conditions that apply are written into the query: a
    // catch-all `($1 = '' OR col = $1)` keeps SQLite from using the index,
    // and one candidate's prediction scanned all 100,000 candidates.
    let (mut sql, mut binds) = match &scope.applicants_of {
        Some(batch) => (
            "SELECT c.id, c.admission_no, c.name, a.office_code, a.plan_id, \
             COALESCE(c.major_code, '') AS major_code, \
             COALESCE(c.examining_school_code, '') AS examining_school_code, c.course_group \
             FROM graduation_applications a JOIN candidates c ON c.id = a.candidate_id \
             WHERE a.batch_code = $1"
                .to_owned(),
            vec![batch.clone()],
        ),
        None => (
            "SELECT c.id, c.admission_no, c.name, COALESCE(c.office_code, '') AS office_code, \
             CAST(NULL AS BIGINT) AS plan_id, COALESCE(c.major_code, '') AS major_code, \
             COALESCE(c.examining_school_code, '') AS examining_school_code, c.course_group \
             FROM candidates c WHERE 1 = 1"
                .to_owned(),
            Vec::new(),
        ),
    };
    if let Some(office) = scope.office.as_ref().filter(|o| !o.is_empty()) {
        let column = match scope.applicants_of {
            Some(_) => "a.office_code",
            None => "c.office_code",
        };
        binds.push(office.clone());
        sql.push_str(&format!(" AND {column} = ${}", binds.len()));
    }
    if !admission_no.is_empty() {
        binds.push(admission_no.to_owned());
        sql.push_str(&format!(" AND c.admission_no = ${}", binds.len()));
    }
    sql.push_str(" ORDER BY c.id");
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Subject {
                id: r.try_get("id")?,
                admission_no: r.try_get("admission_no")?,
                name: r.try_get("name")?,
                office_code: r.try_get("office_code")?,
                plan_id: r.try_get("plan_id")?,
                major_code: r.try_get("major_code")?,
                examining_school_code: r.try_get("examining_school_code")?,
                course_group: r.try_get("course_group")?,
            })
        })
        .collect()
}
