//! Cookies, sessions and the extractors that say who is asking.
//!
//! * The session cookie holds a random token; the database keeps its hash
//!   (db/sessions.rs) with the session's own CSRF token.
//! * The pre-session cookie holds a random nonce for visitors who are not
//!   signed in; their forms carry an HMAC of it (see `csrf.rs`).
//!
//! With an https public URL both cookies are `__Host-` prefixed and Secure
//! (browsers then refuse them from any other origin or path); on plain http
//! (a loopback demo) the prefix is impossible and they are plain HttpOnly.
//!
//! [`resolve`] looks the session up once per request; every extractor below
//! reads what it found.

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::de::DeserializeOwned;

use super::error::WebError;
use super::AppState;
use crate::db;
use crate::db::sessions::SessionRow;
use crate::domain::{CandidateId, Principal, Scope, StaffId, StaffRole};

pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The names of the two cookies, by whether they can be Secure.
#[derive(Debug, Clone, Copy)]
pub struct CookieNames {
    pub session: &'static str,
    pub pre: &'static str,
}

pub fn cookie_names(secure: bool) -> CookieNames {
    if secure {
        CookieNames {
            session: "__Host-biye_session",
            pre: "__Host-biye_pre",
        }
    } else {
        CookieNames {
            session: "biye_session",
            pre: "biye_pre",
        }
    }
}

pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: Path=/, HttpOnly, SameSite=Lax (a QR code scanned in
/// another app opens our page signed in), Secure when the site is https.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// What [`resolve`] found about the visitor.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// The session token presented and the live session behind it.
    pub session: Option<(String, SessionRow)>,
    /// The pre-session nonce the anonymous CSRF token is bound to.
    pub nonce: String,
}

impl Visitor {
    pub fn principal(&self) -> Option<&Principal> {
        self.session.as_ref().map(|(_, s)| &s.principal)
    }
}

/// Looks up the session once per request and makes sure every visitor has a
/// pre-session nonce (set as a cookie on the first response).
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let names = cookie_names(state.secure_cookies());
    let session = match cookie(req.headers(), names.session) {
        Some(token) => match db::sessions::find(state.db.pool(), &token, state.clock.now()).await {
            Ok(found) => found.map(|s| (token, s)),
            Err(e) => return WebError::from(e).into_response(),
        },
        None => None,
    };
    let existing = cookie(req.headers(), names.pre).filter(|n| n.len() >= 32 && n.len() <= 64);
    let nonce = existing.clone().unwrap_or_else(random_token);
    req.extensions_mut().insert(Visitor {
        session,
        nonce: nonce.clone(),
    });
    let mut res = next.run(req).await;
    if existing.is_none() {
        let v = set_cookie(names.pre, &nonce, state.secure_cookies(), None);
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

fn visitor(parts: &Parts) -> Result<&Visitor, WebError> {
    parts
        .extensions
        .get::<Visitor>()
        .ok_or_else(|| WebError::internal("session middleware not installed"))
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        visitor(parts).cloned()
    }
}

/// The CSRF token forms on this page must carry.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

impl<S> FromRequestParts<S> for CsrfToken
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let state = AppState::from_ref(state);
        Ok(CsrfToken(super::csrf::expected(&state, visitor(parts)?)))
    }
}

/// A urlencoded form body (its CSRF token was checked by the guard layer).
pub struct FormBody<T>(pub T);

/// Forms are small; anything larger is refused before parsing.
pub const FORM_LIMIT: usize = 64 * 1024;

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, WebError> {
        let body = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
            .await
            .map_err(|_| WebError::TooLarge)?;
        serde_urlencoded::from_bytes(&body)
            .map(FormBody)
            .map_err(|_| WebError::BadRequest("表单内容无效，请返回重新填写".into()))
    }
}

/// The first value of `name` in a urlencoded query or form body; invalid
/// escapes decode lossily, so hostile input yields a value that fails later
/// checks rather than an error page in English.
pub fn query_field(encoded: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whoever is signed in, if anyone.
pub struct MaybePrincipal(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybePrincipal {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        Ok(Self(visitor(parts)?.principal().cloned()))
    }
}

/// Where to come back to after signing in: the page asked for, when it was a
/// plain GET (a scanned QR code, a bookmarked page). A POST is not replayed.
fn return_to(parts: &Parts) -> Option<String> {
    (parts.method == axum::http::Method::GET)
        .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_owned()))
        .flatten()
}

/// A local path safe to redirect to after sign-in: absolute on this site,
/// never `//host` or `/\host` (which browsers treat as another site), no
/// control characters, and not absurdly long.
pub fn local_path(next: &str) -> Option<&str> {
    let b = next.as_bytes();
    let ok = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && next.len() <= 1024
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

/// A signed-in candidate; anyone else is sent to the candidate login.
pub struct CurrentCandidate(pub CandidateId);

impl<S: Send + Sync> FromRequestParts<S> for CurrentCandidate {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        match visitor(parts)?.principal() {
            Some(Principal::Candidate { id }) => Ok(Self(*id)),
            Some(Principal::Staff { .. }) => Err(WebError::Forbidden("此页面仅供考生使用")),
            None => Err(WebError::SignIn {
                staff: false,
                next: return_to(parts),
            }),
        }
    }
}

/// A signed-in staff member who may work; candidates are refused, strangers
/// sent to the staff login, and a one-time password must be changed first.
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    pub id: StaffId,
    pub role: StaffRole,
    pub scope: Scope,
}

fn staff_of(parts: &Parts) -> Result<(CurrentStaff, bool), WebError> {
    match &visitor(parts)?.session {
        Some((_, s)) => match &s.principal {
            Principal::Staff { id, role, scope } => Ok((
                CurrentStaff {
                    id: *id,
                    role: *role,
                    scope: scope.clone(),
                },
                s.must_change_password,
            )),
            Principal::Candidate { .. } => Err(WebError::Forbidden("此页面仅供考办工作人员使用")),
        },
        None => Err(WebError::SignIn {
            staff: true,
            next: return_to(parts),
        }),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentStaff {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        match staff_of(parts)? {
            (_, true) => Err(WebError::ChangePassword),
            (staff, false) => Ok(staff),
        }
    }
}

/// A signed-in staff member, even one who must still change a one-time
/// password (for the password page itself).
pub struct StaffChangingPassword(pub CurrentStaff);

impl<S: Send + Sync> FromRequestParts<S> for StaffChangingPassword {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        Ok(Self(staff_of(parts)?.0))
    }
}

/// An administrator; every other role is refused.
pub struct CurrentAdmin(pub CurrentStaff);

impl<S: Send + Sync> FromRequestParts<S> for CurrentAdmin {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let staff = CurrentStaff::from_request_parts(parts, state).await?;
        if staff.role != StaffRole::Admin {
            return Err(WebError::Forbidden("此页面仅供系统管理员使用"));
        }
        Ok(Self(staff))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            local_path("/onsite/lookup?ref=1.2.3"),
            Some("/onsite/lookup?ref=1.2.3")
        );
        assert_eq!(local_path("/"), Some("/"));
        for hostile in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "evil",
            "/me\r\nSet-Cookie: x=1",
            "/a b",
            &format!("/{}", "a".repeat(1024)),
        ] {
            assert_eq!(local_path(hostile), None, "{hostile:?}");
        }
    }

    proptest::proptest! {
        /// Whatever `next=` holds, what is followed is a path on this site.
        #[test]
        fn a_followed_way_back_is_always_local(next in ".{0,60}") {
            if let Some(p) = local_path(&next) {
                proptest::prop_assert!(p.starts_with('/'));
                proptest::prop_assert!(!p.starts_with("//") && !p.starts_with("/\\"));
                proptest::prop_assert!(!p.contains(['\r', '\n', ' ']));
            }
        }
    }

    #[test]
    fn cookies_are_found_among_others_and_named_by_security() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; biye_pre=xyz; b=2"));
        assert_eq!(cookie(&h, "biye_pre").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(cookie_names(true).session, "__Host-biye_session");
        let v = set_cookie("__Host-biye_session", "t", true, Some(60));
        let v = v.to_str().unwrap();
        assert!(
            v.contains("Secure") && v.contains("Path=/") && !v.contains("Domain"),
            "{v}"
        );
    }
}
