//! Importing pre-work (免考, 转考, 考籍信息更正): one table per kind, each
//! keyed by its natural key.

use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::db::upsert::{Row, Upsert};
use crate::domain::audit::{PreworkKind, PreworkStatus};
use crate::interchange::{join_codes, PreworkRecord};
use crate::row;
pub(super) async fn write(
    conn: &mut AnyConnection,
    ids: &HashMap<String, i64>,
    v: &[PreworkRecord],
) -> Result<u64, sqlx::Error> {
    // The columns every kind shares, then each kind's own.
    let common = |r: &PreworkRecord, own: Row| -> Row {
        let mut row = row! {
            "candidate_id" => ids[r.admission_no.as_str()],
            "status" => status(r),
            "requested_at" => r.requested_at.to_string(),
            "completed_at" => r.completed_at.map(|d| d.to_string()),
        };
        row.0.extend(own.0);
        row
    };
    let of = |k: PreworkKind| v.iter().filter(move |r| r.kind == k);
    let exemptions = of(PreworkKind::Exemption)
        .map(|r| {
            common(
                r,
                row! {
                    "certificate" => r.certificate.as_str(),
                    "course_codes" => join_codes(&r.course_codes),
                },
            )
        })
        .collect();
    let mut changed = Upsert {
        table: "exemptions",
        keys: &["candidate_id", "certificate", "course_codes"],
        untracked: &[],
    }
    .run(conn, exemptions)
    .await?;
    let transfers = of(PreworkKind::Transfer)
        .map(|r| common(r, row! { "from_reference" => r.from_reference.as_str() }))
        .collect();
    changed += Upsert {
        table: "transfers",
        keys: &["candidate_id", "from_reference"],
        untracked: &[],
    }
    .run(conn, transfers)
    .await?;
    let corrections = of(PreworkKind::RecordCorrection)
        .map(|r| {
            common(
                r,
                row! {
                    "field" => r.field.as_str(),
                    "old_value" => r.old_value.as_str(),
                    "new_value" => r.new_value.as_str(),
                },
            )
        })
        .collect();
    changed += Upsert {
        table: "record_corrections",
        keys: &["candidate_id", "field", "new_value"],
        untracked: &[],
    }
    .run(conn, corrections)
    .await?;
    Ok(changed)
}

fn status(r: &PreworkRecord) -> &'static str {
    match r.status {
        PreworkStatus::Requested => "requested",
        PreworkStatus::Approved => "approved",
        PreworkStatus::Rejected => "rejected",
    }
}
