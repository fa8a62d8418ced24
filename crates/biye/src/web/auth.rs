//! Signing in and out: candidates by admission number or ID number, staff by
//! user name; both with a password checked against an argon2id hash, behind
//! the rate limits and lock-outs of `throttle.rs`.
//!
//! Every failure reads the same and takes the same time (one hash check,
//! against a decoy when there is no account or no password), and "this ID
//! number has several registrations" is said only to someone who gave the
//! right password. Signing in rotates the session: the old row is deleted and
//! the new session gets a fresh CSRF token.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{render, WebError, WebResult};
use super::routes::Area;
use super::session::{self, CsrfToken, FormBody, MaybePrincipal, StaffChangingPassword, Visitor};
use super::throttle::{self, ClientAddr, Keys};
use super::AppState;
use crate::db;
use crate::domain::{Principal, ResidentIdNo, Scope};
use crate::passwords;

pub fn area(state: &AppState) -> Area {
    let limited = Area::new()
        .post("/login", candidate_login)
        .post("/staff/login", staff_login)
        .limited(state.limits.sign_in.clone());
    Area::new()
        .get("/login", candidate_form)
        .get("/staff/login", staff_form)
        .post("/logout", logout)
        .post("/logout/all", logout_everywhere)
        .get("/staff/password", password_form)
        .post("/staff/password", change_password)
        .merge(limited)
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

async fn candidate_form(CsrfToken(csrf): CsrfToken, RawQuery(q): RawQuery) -> WebResult<Response> {
    form_page(csrf, false, q.as_deref())
}

async fn staff_form(CsrfToken(csrf): CsrfToken, RawQuery(q): RawQuery) -> WebResult<Response> {
    form_page(csrf, true, q.as_deref())
}

fn form_page(csrf: String, staff: bool, q: Option<&str>) -> WebResult<Response> {
    Ok(render(&LoginPage {
        csrf,
        staff,
        login: String::new(),
        next: next_of(q),
        error: None,
    })?
    .into_response())
}

/// The login form again, with what was typed (never the password) and why.
fn failed(
    csrf: String,
    staff: bool,
    form: LoginForm,
    status: StatusCode,
    message: String,
) -> WebResult<Response> {
    let page = render(&LoginPage {
        csrf,
        staff,
        login: form.login,
        next: session::local_path(&form.next)
            .unwrap_or_default()
            .to_owned(),
        error: Some(message),
    })?;
    Ok((status, page).into_response())
}

/// A lock or a wrong password, as the login form shows it.
fn refusal(e: WebError, wrong: &str) -> (StatusCode, String) {
    match e {
        WebError::Locked(m) => (StatusCode::TOO_MANY_REQUESTS, m),
        _ => (StatusCode::UNAUTHORIZED, wrong.to_owned()),
    }
}

const CANDIDATE_WRONG: &str =
    "准考证号（或证件号码）或密码错误。首次登录或忘记密码，请点击下方“首次登录 / 忘记密码”。";
const STAFF_WRONG: &str = "用户名或密码错误";

async fn candidate_login(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    visitor: Visitor,
    addr: axum::Extension<ClientAddr>,
    FormBody(form): FormBody<LoginForm>,
) -> WebResult<Response> {
    let login = normalise_login(&form.login);
    let found = db::candidates::find_login(state.db.pool(), &login).await?;
    let first = found.first();
    let account_key = match first {
        Some(a) => format!("login:candidate:{}", a.id),
        None => format!("login:name:{login}"),
    };
    let keys = Keys::new(addr.0).and(account_key.clone(), throttle::ACCOUNT);
    if let Err(e) = throttle::ensure_open(&state, &keys).await {
        let (status, m) = refusal(e, CANDIDATE_WRONG);
        return failed(csrf, false, form, status, m);
    }
    let hash = first.and_then(|a| a.password_hash.clone());
    if !state.hasher.verify(form.password.clone(), hash).await? {
        let e = throttle::failed(&state, &keys).await.err();
        let (status, m) = e.map_or((StatusCode::UNAUTHORIZED, CANDIDATE_WRONG.into()), |e| {
            refusal(e, CANDIDATE_WRONG)
        });
        return failed(csrf, false, form, status, m);
    }
    throttle::succeeded(&state, &account_key).await?;
    let Some(account) = first else {
        return Err(WebError::internal("a password matched no account"));
    };
    if found.len() > 1 {
        let m = "该证件号码对应多个准考证号，请使用准考证号登录".to_owned();
        return failed(csrf, false, form, StatusCode::CONFLICT, m);
    }
    let to = session::local_path(&form.next).unwrap_or("/me").to_owned();
    start_session(
        &state,
        &visitor,
        Principal::Candidate { id: account.id },
        &to,
    )
    .await
}

/// Admission numbers as typed; an ID number in its old 15-digit form becomes
/// the 18 digits records hold; a lower-case x is upper-cased.
fn normalise_login(typed: &str) -> String {
    let login = typed.trim().to_ascii_uppercase();
    ResidentIdNo::parse(&login)
        .map(|id| id.to_string())
        .unwrap_or(login)
}

async fn staff_login(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    visitor: Visitor,
    addr: axum::Extension<ClientAddr>,
    FormBody(form): FormBody<LoginForm>,
) -> WebResult<Response> {
    let username = form.login.trim().to_owned();
    let account_key = format!("login:staff:{username}");
    let keys = Keys::new(addr.0).and(account_key.clone(), throttle::ACCOUNT);
    if let Err(e) = throttle::ensure_open(&state, &keys).await {
        let (status, m) = refusal(e, STAFF_WRONG);
        return failed(csrf, true, form, status, m);
    }
    let account = db::staff::find_login(state.db.pool(), &username).await?;
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let verified = state.hasher.verify(form.password.clone(), hash).await?;
    let Some(a) = account.filter(|_| verified) else {
        let e = throttle::failed(&state, &keys).await.err();
        let (status, m) = e.map_or((StatusCode::UNAUTHORIZED, STAFF_WRONG.into()), |e| {
            refusal(e, STAFF_WRONG)
        });
        return failed(csrf, true, form, status, m);
    };
    throttle::succeeded(&state, &account_key).await?;
    let scope = match Scope::of(a.role, a.office.as_deref()) {
        Ok(s) => s,
        Err(e) => return failed(csrf, true, form, StatusCode::FORBIDDEN, e.to_string()),
    };
    let to = if a.must_change_password {
        "/staff/password".to_owned()
    } else {
        session::local_path(&form.next)
            .unwrap_or("/staff")
            .to_owned()
    };
    let principal = Principal::Staff {
        id: a.id,
        role: a.role,
        scope,
    };
    start_session(&state, &visitor, principal, &to).await
}

/// Rotates: the session the visitor came with (if any) ends, a new one with a
/// fresh CSRF token begins.
pub(super) async fn start_session(
    state: &AppState,
    visitor: &Visitor,
    principal: Principal,
    to: &str,
) -> WebResult<Response> {
    if let Some((old, _)) = &visitor.session {
        db::sessions::delete(state.db.pool(), old).await?;
    }
    let token = session::random_token();
    let mut conn = state.db.pool().acquire().await?;
    db::sessions::create(
        &mut conn,
        &token,
        &principal,
        &session::random_token(),
        state.clock.now(),
    )
    .await?;
    let names = session::cookie_names(state.secure_cookies());
    let max_age = db::sessions::ABSOLUTE.as_secs();
    let cookie = session::set_cookie(names.session, &token, state.secure_cookies(), Some(max_age));
    Ok((
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie)],
        [(LOCATION, to.to_owned())],
    )
        .into_response())
}

fn signed_out(state: &AppState) -> Response {
    let names = session::cookie_names(state.secure_cookies());
    let cookie = session::set_cookie(names.session, "", state.secure_cookies(), Some(0));
    (
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie)],
        [(LOCATION, "/")],
    )
        .into_response()
}

async fn logout(State(state): State<AppState>, visitor: Visitor) -> WebResult<Response> {
    if let Some((token, _)) = &visitor.session {
        db::sessions::delete(state.db.pool(), token).await?;
    }
    Ok(signed_out(&state))
}

/// 退出所有设备: every session of this person ends.
async fn logout_everywhere(
    State(state): State<AppState>,
    MaybePrincipal(p): MaybePrincipal,
) -> WebResult<Response> {
    if let Some(p) = p {
        let mut conn = state.db.pool().acquire().await?;
        db::sessions::delete_all_of(&mut conn, &p).await?;
    }
    Ok(signed_out(&state))
}

#[derive(Template)]
#[template(path = "staff/password.html")]
struct PasswordPage {
    csrf: String,
    one_time: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    password: String,
    password2: String,
}

async fn password_form(
    visitor: Visitor,
    StaffChangingPassword(_): StaffChangingPassword,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<Response> {
    let one_time = visitor
        .session
        .as_ref()
        .is_some_and(|(_, s)| s.must_change_password);
    Ok(render(&PasswordPage {
        csrf,
        one_time,
        error: None,
    })?
    .into_response())
}

/// Changes a staff password (a one-time one must be changed before anything
/// else); every other session of the account ends.
async fn change_password(
    State(state): State<AppState>,
    visitor: Visitor,
    addr: axum::Extension<ClientAddr>,
    StaffChangingPassword(me): StaffChangingPassword,
    CsrfToken(csrf): CsrfToken,
    FormBody(form): FormBody<PasswordForm>,
) -> WebResult<Response> {
    let one_time = visitor
        .session
        .as_ref()
        .is_some_and(|(_, s)| s.must_change_password);
    let again = |error: String, status: StatusCode| -> WebResult<Response> {
        Ok((
            status,
            render(&PasswordPage {
                csrf: csrf.clone(),
                one_time,
                error: Some(error),
            })?,
        )
            .into_response())
    };
    let key = format!("login:staff-id:{}", me.id);
    let keys = Keys::new(addr.0).and(key.clone(), throttle::ACCOUNT);
    if let Err(e) = throttle::ensure_open(&state, &keys).await {
        return again(e.to_string(), StatusCode::TOO_MANY_REQUESTS);
    }
    let stored = db::staff::password_hash(state.db.pool(), me.id).await?;
    if !state.hasher.verify(form.current.clone(), stored).await? {
        let e = throttle::failed(&state, &keys).await.err();
        let m = e.map_or_else(|| "当前密码不正确".to_owned(), |e| e.to_string());
        return again(m, StatusCode::UNAUTHORIZED);
    }
    throttle::succeeded(&state, &key).await?;
    if form.password != form.password2 {
        return again("两次输入的新密码不一致".into(), StatusCode::BAD_REQUEST);
    }
    if form.password == form.current {
        return again("新密码不能与当前密码相同".into(), StatusCode::BAD_REQUEST);
    }
    if let Err(m) = passwords::check_new(&form.password) {
        return again(m, StatusCode::BAD_REQUEST);
    }
    let hash = state.hasher.hash(form.password).await?;
    let principal = Principal::Staff {
        id: me.id,
        role: me.role,
        scope: me.scope,
    };
    let mut tx = state.db.pool().begin().await?;
    db::staff::set_password(&mut tx, me.id, &hash, false).await?;
    db::sessions::delete_all_of(&mut tx, &principal).await?;
    db::audit::append(
        &mut tx,
        state.clock.now(),
        db::audit::Actor::Staff(me.id.0),
        "password_changed",
        "staff_user",
        &me.id.to_string(),
        serde_json::json!({ "one_time_replaced": one_time }),
    )
    .await?;
    tx.commit().await?;
    let fresh = Visitor {
        session: None,
        nonce: visitor.nonce,
    };
    start_session(&state, &fresh, principal, "/staff").await
}
