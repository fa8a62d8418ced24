//! The audit-log viewer: every decision and change — who, when, what and
//! why — from the append-only audit log and the applications' event history,
//! newest first, filtered by what was changed.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use sqlx::Row;

use crate::web::error::{render, WebResult};
use crate::web::routes::Area;
use crate::web::session::{CsrfToken, CurrentAdmin};
use crate::web::AppState;

pub fn area() -> Area {
    Area::new().get("/admin/audit-log", page)
}

const LIMIT: i64 = 500;

#[derive(Deserialize, Default)]
struct Filter {
    /// `application`, `record_correction`, `prior_education`, `staff_user`, `batch` …
    #[serde(default)]
    entity: String,
    #[serde(default)]
    id: String,
}

struct Entry {
    at: String,
    who: String,
    action: String,
    entity: String,
    entity_id: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit_log.html")]
struct Page {
    csrf: String,
    entity: String,
    id: String,
    entries: Vec<Entry>,
    limit: i64,
}

/// What an action means, in Chinese; an application's events by their own
/// labels. Unknown actions (a future version's) show as stored.
fn action_label(action: &str) -> String {
    let known = match action {
        "import" => "导入数据",
        "contact_updated" => "考生修改基本信息",
        "record_confirmed" => "考生确认信息无误",
        "record_correction_filed" => "考生申请考籍信息更正",
        "prior_education_registered" => "考生登记前置学历",
        "password_set" | "password_changed" => "设置或修改密码",
        "password_reset" => "重置工作人员密码",
        "staff_created" => "新建工作人员账号",
        "photos_on_file_imported" => "导入档案照片",
        "staff_activated" => "启用工作人员账号",
        "staff_deactivated" => "停用工作人员账号",
        "batch_saved" => "保存批次",
        "onsite_session_added" => "添加现场审核时段",
        "onsite_session_removed" => "删除现场审核时段",
        "office_saved" => "修改考办地址与电话",
        "form_type_saved" => "保存登记表类型",
        "prior_verified" => "前置学历查验通过",
        "prior_rejected" => "前置学历查验不通过",
        "correction_city_approved" => "考籍更正：市考办审核通过",
        "correction_applied" => "考籍更正：省考办审核通过，已更正",
        "correction_rejected" => "考籍更正审核不通过",
        other => return crate::domain::ApplicationEvent::label_of(other),
    };
    known.to_owned()
}

impl Page {
    fn is(&self, entity: &str) -> bool {
        self.entity == entity
    }
}

async fn page(
    State(state): State<AppState>,
    CurrentAdmin(_): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    Query(f): Query<Filter>,
) -> WebResult<impl IntoResponse> {
    let rows = sqlx::query(
        "SELECT x.at, x.actor_kind, COALESCE(u.display_name, '') AS who, x.action, x.entity, x.entity_id, x.detail
         FROM (SELECT at, actor_kind, actor_id, action, entity, entity_id, detail FROM audit_log
               UNION ALL
               SELECT at, actor_kind, actor_id, event, 'application', CAST(application_id AS TEXT), reason
               FROM application_events) x
         LEFT JOIN staff_users u ON x.actor_kind = 'staff' AND u.id = x.actor_id
         WHERE ($1 = '' OR x.entity = $1) AND ($2 = '' OR x.entity_id = $2)
         ORDER BY x.at DESC LIMIT $3",
    )
    .bind(f.entity.trim())
    .bind(f.id.trim())
    .bind(LIMIT)
    .fetch_all(state.db.pool())
    .await?;
    let entries = rows
        .iter()
        .map(|r| {
            let kind: String = r.try_get("actor_kind")?;
            let who: String = r.try_get("who")?;
            Ok(Entry {
                at: r.try_get("at")?,
                who: match kind.as_str() {
                    "staff" => who,
                    "candidate" => "考生本人".into(),
                    "cli" => "命令行".into(),
                    _ => "系统".into(),
                },
                action: {
                    let a: String = r.try_get("action")?;
                    format!("{}（{a}）", action_label(&a))
                },
                entity: r.try_get("entity")?,
                entity_id: r.try_get("entity_id")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    render(&Page {
        csrf,
        entity: f.entity,
        id: f.id,
        entries,
        limit: LIMIT,
    })
}
