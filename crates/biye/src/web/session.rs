//! Cookies, sessions, CSRF and the extractors that say who is asking.
//!
//! * `biye_session`: a random token; the database keeps its hash (db/sessions.rs).
//! * `biye_csrf`: a random token set on the first visit (middleware below). Every
//!   form carries it in a hidden field and [`VerifiedForm`] refuses a POST whose
//!   field does not match the cookie. The cookie is SameSite=Strict, so another
//!   site can neither read it nor send it.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::error::WebError;
use super::AppState;
use crate::db;
use crate::domain::{CandidateId, OfficeCode, Principal, StaffId, StaffRole};

pub const SESSION_COOKIE: &str = "biye_session";
pub const CSRF_COOKIE: &str = "biye_csrf";
pub const SESSION_HOURS: i64 = 8;

pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn cookie(parts: &axum::http::HeaderMap, name: &str) -> Option<String> {
    parts
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    same_site: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The CSRF token of this visitor, for templates.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Gives every visitor a CSRF cookie before any form is shown.
pub async fn csrf_cookie(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 32);
    let token = existing.clone().unwrap_or_else(random_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if existing.is_none() {
        let v = set_cookie(CSRF_COOKIE, &token, state.secure_cookies(), "Strict", None);
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or_else(|| WebError::Internal(anyhow::anyhow!("csrf middleware not installed")))
    }
}

/// A urlencoded form whose `csrf` field matched the visitor's cookie.
pub struct VerifiedForm<T>(pub T);

/// Forms are small; anything larger is refused before parsing.
const FORM_LIMIT: usize = 64 * 1024;

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for VerifiedForm<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, WebError> {
        let cookie_token = cookie(req.headers(), CSRF_COOKIE).ok_or(WebError::Csrf)?;
        let body = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
            .await
            .map_err(|_| WebError::BadRequest("提交的内容过大".into()))?;
        verify_form(&cookie_token, &body).map(VerifiedForm)
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

fn verify_form<T: DeserializeOwned>(cookie_token: &str, body: &Bytes) -> Result<T, WebError> {
    let field = query_field(body, "csrf").ok_or(WebError::Csrf)?;
    if field.len() != cookie_token.len()
        || !bool::from(field.as_bytes().ct_eq(cookie_token.as_bytes()))
    {
        return Err(WebError::Csrf);
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|_| WebError::BadRequest("表单内容无效，请返回重新填写".into()))
}

/// Whoever is signed in, if anyone.
pub struct MaybePrincipal(pub Option<Principal>);

impl<S> FromRequestParts<S> for MaybePrincipal
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        if let Some(p) = parts.extensions.get::<Option<Principal>>() {
            return Ok(Self(p.clone()));
        }
        let state = AppState::from_ref(state);
        let principal = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => db::sessions::find(state.db.pool(), &token, jiff::Timestamp::now())
                .await?
                .map(|s| s.principal),
            None => None,
        };
        parts.extensions.insert(principal.clone());
        Ok(Self(principal))
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

impl<S> FromRequestParts<S> for CurrentCandidate
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        match MaybePrincipal::from_request_parts(parts, state).await?.0 {
            Some(Principal::Candidate { id }) => Ok(Self(id)),
            Some(Principal::Staff { .. }) => Err(WebError::Forbidden("此页面仅供考生使用")),
            None => Err(WebError::SignIn {
                staff: false,
                next: return_to(parts),
            }),
        }
    }
}

/// A signed-in staff member; candidates are refused, strangers sent to the staff login.
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    pub id: StaffId,
    pub role: StaffRole,
    pub office: Option<OfficeCode>,
}

impl<S> FromRequestParts<S> for CurrentStaff
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        match MaybePrincipal::from_request_parts(parts, state).await?.0 {
            Some(Principal::Staff { id, role, office }) => Ok(Self { id, role, office }),
            Some(Principal::Candidate { .. }) => {
                Err(WebError::Forbidden("此页面仅供考办工作人员使用"))
            }
            None => Err(WebError::SignIn {
                staff: true,
                next: return_to(parts),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_field_must_match_the_cookie() {
        #[derive(serde::Deserialize)]
        struct F {
            #[allow(dead_code)]
            login: String,
        }
        let t = random_token();
        let ok = Bytes::from(format!("csrf={t}&login=a"));
        assert!(verify_form::<F>(&t, &ok).is_ok());
        let bad = Bytes::from(format!("csrf={}&login=a", random_token()));
        assert!(matches!(verify_form::<F>(&t, &bad), Err(WebError::Csrf)));
        let missing = Bytes::from("login=a");
        assert!(matches!(
            verify_form::<F>(&t, &missing),
            Err(WebError::Csrf)
        ));
    }

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
    fn cookies_are_found_among_others() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; biye_csrf=xyz; b=2"));
        assert_eq!(cookie(&h, CSRF_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
