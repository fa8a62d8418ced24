//! The web application: one axum router per area, merged here, plus the
//! middleware every request passes (tracing, security headers, CSRF cookie,
//! body limit).

pub mod auth;
pub mod candidate;
pub mod error;
pub mod onsite;
pub mod public;
pub mod session;
pub mod staff;

use std::sync::Arc;

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::storage::Storage;

/// What every handler may reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub storage: Storage,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub secret: Arc<[u8]>,
}

impl AppState {
    pub fn secure_cookies(&self) -> bool {
        self.config.public_url().scheme() == "https"
    }
}

/// Uploads (photos from phones) are the largest bodies; everything else is far smaller.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; \
    script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

pub fn router(state: AppState) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(self), microphone=(), geolocation=()",
        ),
    ];
    let mut app = Router::new()
        .merge(public::router())
        .merge(auth::router())
        .merge(candidate::router())
        .merge(staff::router())
        .merge(onsite::router())
        .fallback(|| async { error::WebError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::csrf_cookie,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT));
    for (name, value) in headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app.layer(TraceLayer::new_for_http()).with_state(state)
}
