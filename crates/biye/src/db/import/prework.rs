//! Importing pre-work (免考, 转考, 考籍信息更正): one table per kind, each
//! keyed by its natural key.

use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::db::upsert::{Upsert, Val};
use crate::domain::audit::{PreworkKind, PreworkStatus};
use crate::interchange::{join_codes, PreworkRecord};
pub(super) async fn write(
    conn: &mut AnyConnection,
    ids: &HashMap<String, i64>,
    v: &[PreworkRecord],
) -> Result<u64, sqlx::Error> {
    let common = |r: &PreworkRecord| -> [Val; 4] {
        [
            ids[r.admission_no.as_str()].into(),
            status(r).into(),
            r.requested_at.to_string().into(),
            r.completed_at.map(|d| d.to_string()).into(),
        ]
    };
    let of = |k: PreworkKind| v.iter().filter(move |r| r.kind == k);
    let exemptions = of(PreworkKind::Exemption)
        .map(|r| {
            let mut row = common(r).to_vec();
            row.extend([
                r.certificate.as_str().into(),
                join_codes(&r.course_codes).into(),
            ]);
            row
        })
        .collect();
    let mut changed = Upsert {
        table: "exemptions",
        columns: &[
            "candidate_id",
            "status",
            "requested_at",
            "completed_at",
            "certificate",
            "course_codes",
        ],
        keys: &["candidate_id", "certificate", "course_codes"],
        untracked: &[],
    }
    .run(conn, exemptions)
    .await?;
    let transfers = of(PreworkKind::Transfer)
        .map(|r| {
            let mut row = common(r).to_vec();
            row.push(r.from_reference.as_str().into());
            row
        })
        .collect();
    changed += Upsert {
        table: "transfers",
        columns: &[
            "candidate_id",
            "status",
            "requested_at",
            "completed_at",
            "from_reference",
        ],
        keys: &["candidate_id", "from_reference"],
        untracked: &[],
    }
    .run(conn, transfers)
    .await?;
    let corrections = of(PreworkKind::RecordCorrection)
        .map(|r| {
            let mut row = common(r).to_vec();
            row.extend([
                r.field.as_str().into(),
                r.old_value.as_str().into(),
                r.new_value.as_str().into(),
            ]);
            row
        })
        .collect();
    changed += Upsert {
        table: "record_corrections",
        columns: &[
            "candidate_id",
            "status",
            "requested_at",
            "completed_at",
            "field",
            "old_value",
            "new_value",
        ],
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
