//! Staff accounts: list, create (role and office), deactivate or reactivate,
//! and reset a password. New accounts and resets get a one-time password,
//! shown once on the page that follows and changed at the first sign-in; a
//! reset or a deactivation ends the account's sessions. Every change is in
//! the audit log.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::db;
use crate::db::audit::Actor;
use crate::domain::{OfficeCode, Scope, StaffId, StaffRole};
use crate::web::error::{render, WebError, WebResult};
use crate::web::routes::Area;
use crate::web::session::{CsrfToken, CurrentAdmin, FormBody};
use crate::web::AppState;

pub fn area() -> Area {
    Area::new()
        .get("/admin/staff", list)
        .post("/admin/staff", create)
        .post("/admin/staff/{id}/active", set_active)
        .post("/admin/staff/{id}/password", reset)
}

struct Shown {
    id: i64,
    username: String,
    display_name: String,
    role: &'static str,
    office: String,
    active: bool,
    one_time: bool,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct Page {
    csrf: String,
    accounts: Vec<Shown>,
    offices: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    /// (user name, one-time password) after a creation or reset.
    issued: Option<(String, String)>,
    error: Option<String>,
}

async fn page(state: &AppState, csrf: String) -> WebResult<Page> {
    let pool = state.db.pool();
    Ok(Page {
        csrf,
        accounts: db::staff::list(pool)
            .await?
            .into_iter()
            .map(|a| Shown {
                id: a.id,
                username: a.username,
                display_name: a.display_name,
                role: StaffRole::from_db(&a.role).map_or("未知角色", StaffRole::label),
                office: a.office.unwrap_or_default(),
                active: a.active,
                one_time: a.must_change_password,
            })
            .collect(),
        offices: db::reference::offices(pool)
            .await?
            .into_iter()
            .map(|o| (o.code, o.name))
            .collect(),
        roles: StaffRole::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        issued: None,
        error: None,
    })
}

async fn list(
    State(state): State<AppState>,
    CurrentAdmin(_): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    render(&page(&state, csrf).await?)
}

#[derive(Deserialize)]
struct NewAccount {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    office: String,
}

async fn one_time_password(state: &AppState) -> WebResult<(String, String)> {
    let password = crate::passwords::generate();
    let hash = state.hasher.hash(password.clone()).await?;
    Ok((password, hash))
}

fn again(mut p: Page, message: &str) -> WebResult<Response> {
    p.error = Some(message.to_owned());
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
}

async fn create(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    FormBody(f): FormBody<NewAccount>,
) -> WebResult<Response> {
    let p = page(&state, csrf).await?;
    let username = f.username.trim();
    let valid_name = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_name {
        return again(p, "用户名应为 3–32 位小写字母、数字或下划线");
    }
    let display = match crate::domain::candidate::check_text("姓名", &f.display_name, 40) {
        Ok(d) if !d.is_empty() => d,
        _ => return again(p, "请填写工作人员姓名（不超过 40 字）"),
    };
    let Some(role) = StaffRole::from_db(&f.role) else {
        return again(p, "请选择角色");
    };
    let office = OfficeCode::parse(f.office.trim()).ok();
    if Scope::of(role, office.as_ref().map(|o| o.as_str())).is_err() {
        return again(p, "市考办审核员必须选择所属考办");
    }
    let (password, hash) = one_time_password(&state).await?;
    let mut tx = state.db.pool().begin().await?;
    let new = db::staff::NewStaff {
        username,
        display_name: &display,
        password_hash: &hash,
        role,
        office: if role.needs_office() {
            office.as_ref()
        } else {
            None
        },
        must_change_password: true,
    };
    if !db::staff::create_if_absent(&mut tx, &new).await? {
        return again(p, "该用户名已存在");
    }
    let detail = serde_json::json!({ "role": role.as_str(), "office": f.office.trim() });
    db::audit::append(
        &mut tx,
        state.clock.now(),
        Actor::Staff(admin.id.0),
        "staff_created",
        "staff_user",
        username,
        detail,
    )
    .await?;
    tx.commit().await?;
    let mut p = page(&state, p.csrf).await?;
    p.issued = Some((username.to_owned(), password));
    Ok(render(&p)?.into_response())
}

#[derive(Deserialize)]
struct Active {
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    FormBody(f): FormBody<Active>,
) -> WebResult<Response> {
    let active = f.active == "1";
    if id == admin.id.0 && !active {
        return again(page(&state, csrf).await?, "不能停用自己的账号");
    }
    let mut tx = state.db.pool().begin().await?;
    if !db::staff::set_active(&mut tx, StaffId(id), active).await? {
        return Err(WebError::NotFound);
    }
    let action = if active {
        "staff_activated"
    } else {
        "staff_deactivated"
    };
    db::audit::append(
        &mut tx,
        state.clock.now(),
        Actor::Staff(admin.id.0),
        action,
        "staff_user",
        &id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(render(&page(&state, csrf).await?)?.into_response())
}

async fn reset(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let target = db::staff::get(state.db.pool(), StaffId(id))
        .await?
        .ok_or(WebError::NotFound)?;
    let (password, hash) = one_time_password(&state).await?;
    let mut tx = state.db.pool().begin().await?;
    db::staff::reset_password(&mut tx, target.id, &hash).await?;
    db::audit::append(
        &mut tx,
        state.clock.now(),
        Actor::Staff(admin.id.0),
        "password_reset",
        "staff_user",
        &target.username,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    let mut p = page(&state, csrf).await?;
    p.issued = Some((target.username, password));
    Ok(render(&p)?.into_response())
}
