//! The web application: one [`routes::Area`] per part of the site, merged
//! here, plus the layers every request passes, outermost first:
//! request id and a log line without personal data → security headers →
//! client address → session → CSRF guard → body limit.

pub mod admin;
pub mod auth;
pub mod candidate;
pub mod capture;
pub mod charts;
pub mod corrections_review;
pub mod csrf;
pub mod error;
pub mod exports;
pub mod final_review;
pub mod identity_review;
pub mod multipart;
pub mod onsite;
pub mod onsite_review;
pub mod password;
pub mod photos;
pub mod prior_review;
pub mod public;
pub mod review;
pub mod routes;
pub mod session;
pub mod staff;
pub mod tables;
pub mod throttle;

use std::sync::Arc;

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::Response;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::Instrument;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::passwords::Hasher;
use crate::signing::Keyring;
use crate::sms::SmsSender;
use crate::storage::Storage;

/// What every handler may reach. One `Arc`, because every request clones
/// it several times (each layer with state, the handler): with the fields
/// cloned one by one, those atomic counts were 3 % of a status page's CPU.
/// Changing a field (tests do, before serving) copies the fields first.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
}

/// The fields of [`AppState`].
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    pub storage: Storage,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub keys: Arc<Keyring>,
    pub hasher: Hasher,
    pub sms: Arc<dyn SmsSender>,
    pub limits: throttle::Limits,
    /// Fonts and Typst's library, parsed once, shared by every form.
    pub renderer: Arc<forms::Renderer>,
    /// The identity check run on applying.
    pub identity: Arc<dyn crate::identity::IdentityVerifier>,
    /// The comparison of an accepted capture with the photo on file.
    pub faces: Arc<dyn crate::face_match::FaceComparator>,
    /// Photo processing, at most one per core at a time.
    pub capture_permits: capture::Permits,
    /// The compiled plans, reloaded when an import changes them.
    pub plans: crate::prediction::PlanCache,
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

fn areas(state: &AppState) -> routes::Area {
    routes::Area::new()
        .merge(public::area())
        .merge(auth::area(state))
        .merge(password::area(state))
        .merge(candidate::area())
        .merge(capture::area())
        .merge(staff::area())
        .merge(photos::area())
        .merge(identity_review::area())
        .merge(onsite_review::area())
        .merge(prior_review::area())
        .merge(corrections_review::area())
        .merge(final_review::area())
        .merge(exports::area())
        .merge(onsite::area(state))
        .merge(admin::area())
}

/// Every route of the site (for the security tests).
pub fn route_list(state: &AppState) -> Vec<routes::RouteInfo> {
    areas(state).into_parts().1
}

pub fn router(state: AppState) -> Router {
    let (routes, _) = areas(&state).into_parts();
    let mut headers = vec![
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(self), microphone=(), geolocation=()",
        ),
        // Personal data must not linger in caches; static assets say otherwise.
        (header::CACHE_CONTROL, "no-store"),
    ];
    if state.secure_cookies() {
        headers.push((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
    }
    let mut app = routes
        .fallback(|| async { error::WebError::NotFound })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), csrf::guard))
        .layer(from_fn_with_state(state.clone(), session::resolve))
        .layer(from_fn_with_state(state.clone(), throttle::client_addr));
    for (name, value) in headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app.layer(from_fn(request_log)).with_state(state)
}

/// The request id of this request, shown on error pages.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Gives each request an id, logs one line per request with the route
/// *template* (never the path or query, which hold admission and ID numbers),
/// and turns a 500's hidden detail into a log line under that id.
async fn request_log(mut req: Request, next: Next) -> Response {
    let id = format!("{:016x}", rand::random::<u64>());
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let span = tracing::info_span!("request", %method, route, id);
    let started = std::time::Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let _enter = span.enter();
    let status = res.status();
    if let Some(detail) = res.extensions_mut().remove::<error::Unreported>() {
        tracing::error!(detail = %detail.0, "internal error");
        let message = format!("服务器内部错误，请稍后重试。如仍有问题，请告知考办错误编号 {id}。");
        let mut page = error::page(StatusCode::INTERNAL_SERVER_ERROR, &message);
        page.headers_mut().extend(
            res.headers()
                .iter()
                .filter(|(k, _)| *k != header::CONTENT_LENGTH && *k != header::CONTENT_TYPE)
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        res = page;
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    tracing::info!(
        status = status.as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "served"
    );
    res
}
