//! Importing reference data: offices, batches with their on-site sessions,
//! and the substitution and exemption rules.

use sqlx::AnyConnection;

use super::{codes, ImportError, Refs};
use crate::db::upsert::Upsert;
use crate::interchange::{
    join_codes, BatchRecord, ExemptionRuleRecord, OfficeRecord, SubstitutionRuleRecord,
};
use crate::row;

pub(super) async fn offices(
    conn: &mut AnyConnection,
    v: &[OfficeRecord],
) -> Result<u64, ImportError> {
    let rows = v
        .iter()
        .map(|r| {
            row! {
                "code" => r.code.as_str(),
                "name" => r.name.as_str(),
                "address" => r.address.as_str(),
                "phone" => r.phone.as_str(),
            }
        })
        .collect();
    let upsert = Upsert {
        table: "offices",
        keys: &["code"],
        untracked: &[],
    };
    Ok(upsert.run(conn, rows).await?)
}

pub(super) async fn batches(
    conn: &mut AnyConnection,
    refs: &mut Refs<'_>,
    v: &[BatchRecord],
) -> Result<u64, ImportError> {
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
            row! {
                "code" => b.code.to_string(),
                "name" => b.name.as_str(),
                "application_opens" => b.application_opens.to_string(),
                "application_closes" => b.application_closes.to_string(),
                "prework_due" => b.prework_due.to_string(),
                "prior_education_due" => b.prior_education_due.to_string(),
                "prior_education_supplement_due" => b.prior_education_supplement_due.to_string(),
                "materials_due" => b.materials_due.to_string(),
                "graduation_date" => b.graduation_date.to_string(),
                "certificate_note" => b.certificate_note.as_str(),
            }
        })
        .collect();
    let mut n = Upsert {
        table: "batches",
        keys: &["code"],
        untracked: &[],
    }
    .run(conn, rows)
    .await?;
    let sessions = v
        .iter()
        .flat_map(|b| {
            b.onsite_sessions.iter().map(move |s| {
                row! {
                    "batch_code" => b.code.to_string(),
                    "office_code" => s.office_code.as_str(),
                    "opens" => s.opens.to_string(),
                    "closes" => s.closes.to_string(),
                    "location" => s.location.as_str(),
                }
            })
        })
        .collect();
    n += Upsert {
        table: "onsite_sessions",
        keys: &["batch_code", "office_code", "opens"],
        untracked: &[],
    }
    .run(conn, sessions)
    .await?;
    Ok(n)
}

pub(super) async fn substitution_rules(
    conn: &mut AnyConnection,
    v: &[SubstitutionRuleRecord],
) -> Result<u64, ImportError> {
    let rows = v
        .iter()
        .map(|r| {
            row! {
                "old_codes" => join_codes(&r.old_codes),
                "new_code" => r.new_code.as_str(),
                "valid_from" => r.valid_from.to_string(),
                "valid_to" => r.valid_to.map(|d| d.to_string()),
            }
        })
        .collect();
    let upsert = Upsert {
        table: "substitution_rules",
        keys: &["old_codes", "new_code", "valid_from"],
        untracked: &[],
    };
    let changed = upsert.run(conn, rows).await?;
    if changed > 0 {
        // Predictions use the rules kept with the compiled plans.
        crate::db::plans::new_generation(conn).await?;
    }
    Ok(changed)
}

pub(super) async fn exemption_rules(
    conn: &mut AnyConnection,
    v: &[ExemptionRuleRecord],
) -> Result<u64, ImportError> {
    let rows = v
        .iter()
        .map(|r| {
            row! {
                "certificate" => r.certificate.as_str(),
                "min_value" => r.min_value,
                "course_codes" => join_codes(&r.course_codes),
            }
        })
        .collect();
    let upsert = Upsert {
        table: "exemption_rules",
        keys: &["certificate", "course_codes"],
        untracked: &[],
    };
    let changed = upsert.run(conn, rows).await?;
    if changed > 0 {
        // Predictions use the rules kept with the compiled plans.
        crate::db::plans::new_generation(conn).await?;
    }
    Ok(changed)
}
