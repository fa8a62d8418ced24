//! CSRF protection for every state-changing request, by default.
//!
//! [`guard`] runs on every route. A request whose method is not GET, HEAD or
//! OPTIONS passes only when
//! 1. the browser's own word on where it comes from agrees: `Sec-Fetch-Site`
//!    is `same-origin` when sent, else `Origin` (when sent) is this site; and
//! 2. it carries the expected token — in the `X-CSRF-Token` header, the
//!    `csrf` field of a urlencoded form, or for a multipart upload the `csrf`
//!    query parameter (a file upload cannot be read twice cheaply). Signed-in
//!    visitors' token is their session's own; anonymous visitors' token is an
//!    HMAC of their pre-session nonce under the installation's key.
//!
//! Routes that cannot carry a token are listed in [`EXEMPT`], each with why;
//! they still pass the origin check.

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use subtle::ConstantTimeEq;

use super::error::WebError;
use super::session::{query_field, Visitor, FORM_LIMIT};
use super::AppState;

/// Route templates exempt from the token (never from the origin check).
/// The phone capture's routes carry their own: the path holds a 256-bit
/// random token bound to one application, which another site cannot know,
/// so it does what a CSRF token does; and a phone's scanner app may post
/// without our pre-session cookie.
pub const EXEMPT: &[&str] = &["/capture/{token}/photo", "/capture/{token}/accept"];

/// The token this visitor's forms must carry.
pub fn expected(state: &AppState, v: &Visitor) -> String {
    match &v.session {
        Some((_, s)) => s.csrf_token.clone(),
        None => {
            let mac = state.keys.mac("csrf", &[v.nonce.as_bytes()]);
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
        }
    }
}

fn safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser says the request comes from this site.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        // Neither header (an old browser, a script): the token decides.
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false; // includes "null"
    };
    let public = state.config.public_url();
    if origin.origin() == public.origin() {
        return true;
    }
    // Served under another name than the public URL (a test port, a proxy):
    // the origin must be the host the request was sent to.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let authority = match (origin.host_str(), origin.port_or_known_default()) {
        (Some(h), Some(p)) if Some(p) == default_port(origin.scheme()) => h.to_owned(),
        (Some(h), Some(p)) => format!("{h}:{p}"),
        _ => return false,
    };
    host.is_some_and(|h| h.eq_ignore_ascii_case(&authority))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if safe(req.method()) {
        return next.run(req).await;
    }
    match check(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Checks the request and hands it back (with its body, if it was read).
async fn check(state: &AppState, req: Request) -> Result<Request, WebError> {
    if !same_origin(state, req.headers()) {
        return Err(WebError::Csrf);
    }
    let exempt = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| EXEMPT.contains(&p.as_str()));
    if exempt {
        return Ok(req);
    }
    let visitor = req
        .extensions()
        .get::<Visitor>()
        .cloned()
        .ok_or_else(|| WebError::internal("session middleware not installed"))?;
    let want = expected(state, &visitor);
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (req, given) = match header_token {
        Some(t) => (req, Some(t)),
        None if content_type(req.headers()).starts_with("multipart/form-data") => {
            let t = query_field(req.uri().query().unwrap_or_default().as_bytes(), "csrf");
            (req, t)
        }
        None => {
            let (parts, body) = req.into_parts();
            let bytes: Bytes = axum::body::to_bytes(body, FORM_LIMIT)
                .await
                .map_err(|_| WebError::TooLarge)?;
            let t = query_field(&bytes, "csrf");
            (Request::from_parts(parts, Body::from(bytes)), t)
        }
    };
    let ok = given
        .is_some_and(|g| g.len() == want.len() && bool::from(g.as_bytes().ct_eq(want.as_bytes())));
    if ok {
        Ok(req)
    } else {
        Err(WebError::Csrf)
    }
}
