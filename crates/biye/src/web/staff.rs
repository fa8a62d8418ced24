//! The staff dashboard: who is signed in and in which scope, the queues this
//! role works through, and the applications in scope counted by state and
//! office and by day — with charts drawn on the server (`charts.rs`).

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use super::charts;
use super::error::{render, WebError, WebResult};
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff};
use super::AppState;
use crate::db;
use crate::domain::{ApplicationState, StaffRole};

pub fn area() -> Area {
    Area::new().get("/staff", dashboard)
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct Dashboard {
    csrf: String,
    display_name: String,
    role: &'static str,
    scope: String,
    candidates: i64,
    links: Vec<(&'static str, &'static str)>,
    /// (office, state label, count)
    counts: Vec<(String, &'static str, i64)>,
    by_state: String,
    by_day: String,
}

/// The pages of each role, in the order of the work.
fn links(role: StaffRole) -> Vec<(&'static str, &'static str)> {
    match role {
        StaffRole::CityReviewer => vec![
            ("/staff/identity", "身份证附件审核"),
            ("/staff/photos", "毕业证照审核"),
            ("/staff/corrections", "考籍信息更正审核"),
            ("/staff/onsite", "现场审核"),
            ("/onsite/lookup", "登记表查验（扫码或输入校验码）"),
        ],
        StaffRole::ProvincialReviewer => vec![
            ("/staff/identity", "身份证附件审核（省）"),
            ("/staff/corrections", "考籍信息更正审核（省）"),
            ("/staff/prior-education", "前置学历查验"),
            ("/staff/final", "毕业复核"),
            ("/staff/exports", "导出毕业生"),
            ("/onsite/lookup", "登记表查验（扫码或输入校验码）"),
        ],
        StaffRole::Admin => vec![
            ("/admin/batches", "批次与考办"),
            ("/admin/staff", "工作人员账号"),
            ("/admin/access-log", "个人信息访问记录"),
            ("/admin/audit-log", "审计日志"),
        ],
    }
}

async fn dashboard(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let pool = state.db.pool();
    let me = db::staff::get(pool, staff.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let office = staff
        .scope
        .office()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let scope = match staff.scope.office() {
        Some(code) => db::reference::office_label(pool, code.as_str()).await?,
        None => "全省".to_owned(),
    };
    let label = |s: &str| ApplicationState::from_db(s).map_or("未知状态", ApplicationState::label);
    let counts: Vec<(String, &'static str, i64)> = db::review::counts(pool, &office)
        .await?
        .into_iter()
        .map(|(o, s, n)| (o, label(&s), n))
        .collect();
    let mut per_state: Vec<(String, i64)> = Vec::new();
    for s in ApplicationState::ALL {
        let n: i64 = counts
            .iter()
            .filter(|c| c.1 == s.label())
            .map(|c| c.2)
            .sum();
        if n > 0 {
            per_state.push((s.label().to_owned(), n));
        }
    }
    let mut per_day: Vec<(String, i64)> = Vec::new();
    for (day, _, n) in db::review::events_per_day(pool, &office).await? {
        match per_day.last_mut() {
            Some((d, total)) if *d == day => *total += n,
            _ => per_day.push((day, n)),
        }
    }
    render(&Dashboard {
        csrf,
        display_name: me.display_name,
        role: me.role.label(),
        scope,
        candidates: db::candidates::count(pool).await?,
        links: links(staff.role),
        counts,
        by_state: charts::bars("各状态申请数", &per_state),
        by_day: charts::bars("每日办理事项数（UTC 日期）", &per_day),
    })
}
