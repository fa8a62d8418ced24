//! Importing plans: each plan also defines its major and examining school, and
//! a changed definition replaces the plan's course rows.

use sqlx::{AnyConnection, Row};

use super::ImportError;
use crate::db::upsert::Upsert;
use crate::row;

pub(super) async fn write(
    conn: &mut AnyConnection,
    plans: &[crate::domain::plan::Plan],
) -> Result<u64, ImportError> {
    let majors = plans
        .iter()
        .map(|p| {
            row! {
                "code" => p.major_code.as_str(),
                "name" => p.major_name.as_str(),
                "level" => p.level.as_str(),
            }
        })
        .collect();
    let mut changed = Upsert {
        table: "majors",
        keys: &["code"],
        untracked: &[],
    }
    .run(conn, majors)
    .await?;
    let schools = plans
        .iter()
        .map(|p| {
            row! {
                "code" => p.examining_school_code.as_str(),
                "name" => p.examining_school_name.as_str(),
            }
        })
        .collect();
    changed += Upsert {
        table: "examining_schools",
        keys: &["code"],
        untracked: &[],
    }
    .run(conn, schools)
    .await?;
    for p in plans {
        let definition = serde_json::to_string(p).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let row = sqlx::query(
            "INSERT INTO plans (major_code, examining_school_code, course_group, version, valid_from, valid_to, definition)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (major_code, examining_school_code, course_group, version) DO UPDATE
                 SET valid_from = excluded.valid_from, valid_to = excluded.valid_to, definition = excluded.definition
                 WHERE plans.definition IS DISTINCT FROM excluded.definition
             RETURNING id",
        )
        .bind(p.major_code.as_str())
        .bind(p.examining_school_code.as_str())
        .bind(p.course_group.as_str())
        .bind(i64::from(p.version))
        .bind(p.valid_from.to_string())
        .bind(p.valid_to.map(|d| d.to_string()))
        .bind(definition)
        .fetch_optional(&mut *conn)
        .await?;
        // No row back: the definition was already stored as is.
        let Some(row) = row else { continue };
        let plan_id: i64 = row.try_get("id")?;
        changed += 1;
        sqlx::query("DELETE FROM plan_courses WHERE plan_id = $1")
            .bind(plan_id)
            .execute(&mut *conn)
            .await?;
        let rows = p
            .courses
            .iter()
            .map(|c| {
                row! {
                    "plan_id" => plan_id,
                    "course_code" => c.code.as_str(),
                    "name" => c.name.as_str(),
                    "credits" => c.credits.map(i64::from),
                    "kind" => c.kind.as_str(),
                    "exam_mode" => c.exam_mode.as_str(),
                    "pair" => c.pair.map(i64::from),
                }
            })
            .collect();
        Upsert {
            table: "plan_courses",
            keys: &["plan_id", "course_code"],
            untracked: &[],
        }
        .run(conn, rows)
        .await?;
    }
    if changed > 0 {
        // Servers cache the compiled plans; a new generation makes them reload.
        crate::db::plans::new_generation(conn).await?;
    }
    Ok(changed)
}
