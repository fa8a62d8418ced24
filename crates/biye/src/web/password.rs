//! 首次登录 / 忘记密码: imported candidates have no password. They name
//! themselves (admission number or ID number, and their name), receive a
//! 6-digit code by SMS at the phone number on record (shown masked), and set
//! a password with it.
//!
//! Codes are random, single-use, valid 10 minutes, five tries each; a
//! candidate receives at most one a minute and five a day; every check is
//! throttled like a password. A failure never says which part was wrong, so
//! the page cannot be used to find out who is registered. The request is
//! named by a random ticket carried in the page; only MACs of ticket and code
//! are stored.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use serde::Deserialize;

use super::error::{render, WebError, WebResult};
use super::routes::Area;
use super::session::{self, CsrfToken, FormBody, Visitor};
use super::throttle::{self, ClientAddr, Keys};
use super::AppState;
use crate::db;
use crate::domain::{PhoneNumber, Principal};
use crate::passwords;
use crate::sms::SmsMessage;

pub const CODE_MINUTES: i64 = 10;
const CODE_TRIES: i64 = 5;
const RESEND_AFTER: SignedDuration = SignedDuration::from_secs(60);
const PER_DAY: usize = 5;

pub fn area(state: &AppState) -> Area {
    let limited = Area::new()
        .post("/password", send_code)
        .post("/password/reset", set_password)
        .limited(state.limits.sign_in.clone());
    Area::new().get("/password", request_form).merge(limited)
}

#[derive(Template)]
#[template(path = "password/request.html")]
struct RequestPage {
    csrf: String,
    login: String,
    name: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "password/reset.html")]
struct ResetPage {
    csrf: String,
    ticket: String,
    masked_phone: String,
    minutes: i64,
    error: Option<String>,
}

#[derive(Deserialize)]
struct RequestForm {
    login: String,
    name: String,
}

#[derive(Deserialize)]
struct ResetForm {
    ticket: String,
    code: String,
    password: String,
    password2: String,
}

const NO_MATCH: &str = "准考证号（或证件号码）与姓名不匹配，或考籍中没有可接收短信的手机号码。请核对后重试；手机号码已更换的，请携带身份证到办理地点考办更正。";

async fn request_form(CsrfToken(csrf): CsrfToken) -> WebResult<Response> {
    Ok(render(&RequestPage {
        csrf,
        login: String::new(),
        name: String::new(),
        error: None,
    })?
    .into_response())
}

fn mac_hex(state: &AppState, purpose: &str, value: &str) -> String {
    hex::encode(state.keys.mac(purpose, &[value.as_bytes()]))
}

async fn send_code(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    addr: axum::Extension<ClientAddr>,
    FormBody(form): FormBody<RequestForm>,
) -> WebResult<Response> {
    let again = |status: StatusCode, error: String| -> WebResult<Response> {
        let page = RequestPage {
            csrf: csrf.clone(),
            login: form.login.clone(),
            name: form.name.clone(),
            error: Some(error),
        };
        Ok((status, render(&page)?).into_response())
    };
    let login = form.login.trim().to_ascii_uppercase();
    let keys = Keys::new(addr.0).and(format!("code:{login}"), throttle::ACCOUNT);
    if let Err(e) = throttle::ensure_open(&state, &keys).await {
        return again(e.status(), e.to_string());
    }
    let login = crate::domain::ResidentIdNo::parse(&login)
        .map(|id| id.to_string())
        .unwrap_or(login);
    let found = db::candidates::find_login(state.db.pool(), &login).await?;
    let name = form.name.trim();
    let matched: Vec<_> = found.into_iter().filter(|c| c.name == name).collect();
    let target = match matched.as_slice() {
        [one] => PhoneNumber::parse(&one.phone)
            .ok()
            .filter(PhoneNumber::is_mobile)
            .map(|p| (one.id, p)),
        _ => None,
    };
    let Some((candidate, phone)) = target else {
        return match throttle::failed(&state, &keys).await {
            Err(e) => again(e.status(), e.to_string()),
            Ok(()) => again(StatusCode::UNPROCESSABLE_ENTITY, NO_MATCH.into()),
        };
    };
    let now = state.clock.now();
    let day_ago = now
        .checked_sub(SignedDuration::from_hours(24))
        .unwrap_or(now);
    let sent = db::codes::sent_since(state.db.pool(), candidate, day_ago).await?;
    if let Some(last) = sent.first() {
        let wait = RESEND_AFTER - now.duration_since(*last);
        if wait > SignedDuration::ZERO {
            let m = format!(
                "验证码已发送，请于 {} 秒后再重新获取",
                wait.as_secs().max(1)
            );
            return again(StatusCode::TOO_MANY_REQUESTS, m);
        }
    }
    if sent.len() >= PER_DAY {
        let m = "今日获取验证码的次数已达上限，请明天再试，或联系办理地点考办".to_owned();
        return again(StatusCode::TOO_MANY_REQUESTS, m);
    }
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    let ticket = session::random_token();
    let expires = now
        .checked_add(SignedDuration::from_mins(CODE_MINUTES))
        .unwrap_or(now);
    let mut conn = state.db.pool().acquire().await?;
    let ticket_hash = mac_hex(&state, "code-ticket", &ticket);
    let code_hash = mac_hex(&state, "code", &format!("{ticket}:{code}"));
    db::codes::create(&mut conn, candidate, &ticket_hash, &code_hash, now, expires).await?;
    drop(conn);
    let message = SmsMessage::VerificationCode {
        code,
        minutes: CODE_MINUTES as u32,
    };
    if let Err(e) = state.sms.send(phone.as_str(), &message).await {
        tracing::warn!(error = %e, "SMS not sent");
        return again(
            StatusCode::BAD_GATEWAY,
            "短信发送失败，请稍后再试。如多次失败，请联系办理地点考办。".into(),
        );
    }
    Ok(render(&ResetPage {
        csrf,
        ticket,
        masked_phone: phone.masked(),
        minutes: CODE_MINUTES,
        error: None,
    })?
    .into_response())
}

async fn set_password(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    visitor: Visitor,
    addr: axum::Extension<ClientAddr>,
    FormBody(form): FormBody<ResetForm>,
) -> WebResult<Response> {
    let expired = "验证码已失效，请重新获取验证码";
    let ticket_hash = mac_hex(&state, "code-ticket", &form.ticket);
    let pending = db::codes::find(state.db.pool(), &ticket_hash).await?;
    let now = state.clock.now();
    let Some(p) = pending.filter(|p| !p.used && p.expires_at > now && p.attempts < CODE_TRIES)
    else {
        return Err(WebError::BadRequest(format!(
            "{expired}。请返回“首次登录 / 忘记密码”页面重新获取。"
        )));
    };
    let masked = db::candidates::get(state.db.pool(), p.candidate)
        .await?
        .and_then(|c| PhoneNumber::parse(&c.phone).ok())
        .map(|p| p.masked())
        .unwrap_or_default();
    let again = |status: StatusCode, error: String| -> WebResult<Response> {
        let page = ResetPage {
            csrf: csrf.clone(),
            ticket: form.ticket.clone(),
            masked_phone: masked.clone(),
            minutes: CODE_MINUTES,
            error: Some(error),
        };
        Ok((status, render(&page)?).into_response())
    };
    let keys = Keys::new(addr.0).and(format!("code-candidate:{}", p.candidate), throttle::ACCOUNT);
    if let Err(e) = throttle::ensure_open(&state, &keys).await {
        return again(e.status(), e.to_string());
    }
    let typed = form.code.trim();
    let given = mac_hex(&state, "code", &format!("{}:{typed}", form.ticket));
    let right = typed.len() == 6
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            given.as_bytes(),
            p.code_hash.as_bytes(),
        ));
    if !right {
        db::codes::add_attempt(state.db.pool(), p.id).await?;
        let left = CODE_TRIES - p.attempts - 1;
        return match throttle::failed(&state, &keys).await {
            Err(e) => again(e.status(), e.to_string()),
            Ok(()) if left > 0 => again(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("验证码不正确，还可尝试 {left} 次"),
            ),
            Ok(()) => Err(WebError::BadRequest(format!("{expired}（错误次数过多）。"))),
        };
    }
    if form.password != form.password2 {
        return again(StatusCode::BAD_REQUEST, "两次输入的密码不一致".into());
    }
    if let Err(m) = passwords::check_new(&form.password) {
        return again(StatusCode::BAD_REQUEST, m);
    }
    let hash = state.hasher.hash(form.password).await?;
    let principal = Principal::Candidate { id: p.candidate };
    let mut tx = state.db.pool().begin().await?;
    if !db::codes::consume(&mut tx, p.id, now).await? {
        return Err(WebError::BadRequest(format!("{expired}（已使用）。")));
    }
    db::candidates::set_password(&mut tx, p.candidate, &hash).await?;
    db::sessions::delete_all_of(&mut tx, &principal).await?;
    db::audit::append(
        &mut tx,
        now,
        db::audit::Actor::Candidate(p.candidate.0),
        "password_set",
        "candidate",
        &p.candidate.to_string(),
        serde_json::json!({ "by": "sms_code" }),
    )
    .await?;
    tx.commit().await?;
    throttle::succeeded(&state, &keys.0[1].0).await?;
    super::auth::start_session(&state, &visitor, principal, "/me").await
}
