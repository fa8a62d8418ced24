//! Signing in and out: candidates by admission number or ID number, staff by
//! user name; both with a password checked against an argon2id hash.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::error::{render, WebError, WebResult};
use super::session::{self, CsrfToken, VerifiedForm, SESSION_COOKIE, SESSION_HOURS};
use super::AppState;
use crate::db;
use crate::domain::{Principal, ResidentIdNo};
use crate::passwords;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(candidate_form).post(candidate_login))
        .route("/staff/login", get(staff_form).post(staff_login))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    staff: bool,
    login: String,
    /// The page to return to, carried through the form.
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `?next=` of the login page; anything unreadable is simply ignored.
fn next_of(query: Option<&str>) -> String {
    session::query_field(query.unwrap_or_default().as_bytes(), "next")
        .and_then(|v| session::local_path(&v).map(str::to_owned))
        .unwrap_or_default()
}

async fn candidate_form(
    CsrfToken(csrf): CsrfToken,
    RawQuery(q): RawQuery,
) -> WebResult<impl IntoResponse> {
    render(&LoginPage {
        csrf,
        staff: false,
        login: String::new(),
        next: next_of(q.as_deref()),
        error: None,
    })
}

async fn staff_form(
    CsrfToken(csrf): CsrfToken,
    RawQuery(q): RawQuery,
) -> WebResult<impl IntoResponse> {
    render(&LoginPage {
        csrf,
        staff: true,
        login: String::new(),
        next: next_of(q.as_deref()),
        error: None,
    })
}

/// Verifies on the blocking pool; an unknown account is verified against a decoy
/// so that both failures take the same time.
async fn verify(password: String, hash: Option<String>) -> WebResult<bool> {
    tokio::task::spawn_blocking(move || {
        let ok = passwords::verify(&password, hash.as_deref().unwrap_or(passwords::decoy()));
        ok && hash.is_some()
    })
    .await
    .map_err(|e| WebError::Internal(e.into()))
}

fn failed(csrf: String, staff: bool, form: LoginForm, message: &str) -> WebResult<Response> {
    let page = render(&LoginPage {
        csrf,
        staff,
        login: form.login,
        next: session::local_path(&form.next)
            .unwrap_or_default()
            .to_owned(),
        error: Some(message.to_owned()),
    })?;
    Ok((StatusCode::UNAUTHORIZED, page).into_response())
}

async fn candidate_login(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    VerifiedForm(form): VerifiedForm<LoginForm>,
) -> WebResult<Response> {
    let login = form.login.trim().to_ascii_uppercase();
    // An ID number may be typed in its old 15-digit form; records hold 18 digits.
    let key = ResidentIdNo::parse(&login)
        .map(|id| id.to_string())
        .unwrap_or_else(|_| login.clone());
    let found = db::candidates::find_login(state.db.pool(), &key).await?;
    if found.len() > 1 {
        return failed(
            csrf,
            false,
            form,
            "该证件号码对应多个准考证号，请使用准考证号登录",
        );
    }
    let account = found.into_iter().next();
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    if !verify(form.password.clone(), hash).await? {
        return failed(csrf, false, form, "准考证号（或证件号码）或密码错误");
    }
    let Some(account) = account else {
        return failed(csrf, false, form, "准考证号（或证件号码）或密码错误");
    };
    let to = session::local_path(&form.next).unwrap_or("/me");
    start_session(&state, Principal::Candidate { id: account.id }, to).await
}

async fn staff_login(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    VerifiedForm(form): VerifiedForm<LoginForm>,
) -> WebResult<Response> {
    let account = db::staff::find_login(state.db.pool(), form.login.trim()).await?;
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    if !verify(form.password.clone(), hash).await? {
        return failed(csrf, true, form, "用户名或密码错误");
    }
    let Some(a) = account else {
        return failed(csrf, true, form, "用户名或密码错误");
    };
    let to = session::local_path(&form.next).unwrap_or("/staff");
    start_session(
        &state,
        Principal::Staff {
            id: a.id,
            role: a.role,
            office: a.office,
        },
        to,
    )
    .await
}

async fn start_session(state: &AppState, principal: Principal, to: &str) -> WebResult<Response> {
    let token = session::random_token();
    let ttl = jiff::SignedDuration::from_hours(SESSION_HOURS);
    db::sessions::create(
        state.db.pool(),
        &token,
        &principal,
        &session::random_token(),
        jiff::Timestamp::now(),
        ttl,
    )
    .await?;
    let cookie = session::set_cookie(
        SESSION_COOKIE,
        &token,
        state.secure_cookies(),
        "Lax",
        Some(SESSION_HOURS * 3600),
    );
    Ok((
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie)],
        [(LOCATION, to.to_owned())],
    )
        .into_response())
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    VerifiedForm(Empty {}): VerifiedForm<Empty>,
) -> WebResult<Response> {
    if let Some(token) = session::cookie(&headers, SESSION_COOKIE) {
        db::sessions::delete(state.db.pool(), &token).await?;
    }
    let cookie = session::set_cookie(SESSION_COOKIE, "", state.secure_cookies(), "Lax", Some(0));
    Ok((
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie)],
        [(LOCATION, "/")],
    )
        .into_response())
}
