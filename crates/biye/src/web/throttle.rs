//! Rate limits and lock-outs for every password and code check.
//!
//! Two layers:
//! * a request rate per client address on the sign-in, code and lookup
//!   routes (`tower_governor`, in memory: it stops floods before they cost a
//!   password hash);
//! * counters of *failed* checks per account and per client address in the
//!   database (`db::throttle`), so a lock holds across server processes: a
//!   window of failures, then a lock that doubles with each further failure,
//!   and a Chinese message saying when to try again.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::Response;
use axum::middleware::Next;
use axum::response::IntoResponse;
use jiff::{SignedDuration, Timestamp};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use super::error::{WebError, WebResult};
use super::AppState;
use crate::db::throttle::{self, Policy};

/// The client's address: the peer, or behind a trusted proxy the last
/// address it appended to `X-Forwarded-For`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

pub async fn client_addr(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response<Body> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = state
        .config
        .trust_proxy
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|a| a.trim().parse::<IpAddr>().ok())
        })
        .flatten();
    let addr = forwarded
        .or(peer)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    req.extensions_mut().insert(ClientAddr(addr));
    next.run(req).await
}

#[derive(Debug, Clone, Copy)]
pub struct ByClient;

impl KeyExtractor for ByClient {
    type Key = IpAddr;
    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(req
            .extensions()
            .get::<ClientAddr>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0))
    }
}

pub type RateLayer = GovernorLayer<ByClient, governor::middleware::NoOpMiddleware, Body>;

/// At most `per_minute` requests a minute per client address, in bursts of
/// as many; beyond that a 429 in Chinese.
pub fn per_minute(per_minute: u32) -> RateLayer {
    let per_minute = per_minute.max(1);
    let config = GovernorConfigBuilder::default()
        .key_extractor(ByClient)
        .per_millisecond((60_000 / u64::from(per_minute)).max(1))
        .burst_size(per_minute)
        .finish()
        .expect("a positive period and burst");
    GovernorLayer::new(config).error_handler(|e| match e {
        GovernorError::TooManyRequests { wait_time, .. } => {
            WebError::TooMany(wait_time.max(1)).into_response()
        }
        _ => WebError::internal("rate limiter could not read the client address").into_response(),
    })
}

/// The rate layers of a server, created once with its state so that every
/// router built from the state shares their counters.
#[derive(Clone)]
pub struct Limits {
    pub sign_in: RateLayer,
    pub lookup: RateLayer,
}

/// Lookups a reviewer may make a minute (scanning a pile of forms is quick).
const LOOKUPS_PER_MINUTE: u32 = 120;

impl Limits {
    pub fn new(sign_in_per_minute: u32) -> Self {
        Limits {
            sign_in: per_minute(sign_in_per_minute),
            lookup: per_minute(LOOKUPS_PER_MINUTE),
        }
    }
}

/// Failed sign-ins of one account: five, then 1, 2, 4 … 30 minutes.
pub const ACCOUNT: Policy = Policy {
    max_failures: 5,
    window: SignedDuration::from_hours(1),
    first_lock: SignedDuration::from_mins(1),
    max_lock: SignedDuration::from_mins(30),
};

/// Failed checks of any kind from one address (many accounts tried).
pub const ADDRESS: Policy = Policy {
    max_failures: 30,
    window: SignedDuration::from_hours(1),
    first_lock: SignedDuration::from_mins(5),
    max_lock: SignedDuration::from_mins(30),
};

/// Forged or mistyped form lookups by one reviewer.
pub const LOOKUP: Policy = Policy {
    max_failures: 10,
    window: SignedDuration::from_hours(1),
    first_lock: SignedDuration::from_mins(1),
    max_lock: SignedDuration::from_mins(30),
};

/// The counters one check is subject to.
pub struct Keys(pub Vec<(String, Policy)>);

impl Keys {
    pub fn new(addr: ClientAddr) -> Self {
        Keys(vec![(format!("ip:{}", addr.0), ADDRESS)])
    }
    pub fn and(mut self, key: String, policy: Policy) -> Self {
        self.0.push((key, policy));
        self
    }
}

fn locked_message(state: &AppState, until: Timestamp) -> WebError {
    let minutes = (until.duration_since(state.clock.now()).as_secs() + 59) / 60;
    let at = state.clock.civil(until).strftime("%H:%M");
    WebError::Locked(format!(
        "尝试次数过多，已暂时锁定。请于 {at} 后再试（约 {} 分钟）。",
        minutes.max(1)
    ))
}

/// Refuses the check while any of its counters is locked.
pub async fn ensure_open(state: &AppState, keys: &Keys) -> WebResult<()> {
    let now = state.clock.now();
    for (key, _) in &keys.0 {
        if let Some(until) = throttle::locked_until(state.db.pool(), key, now).await? {
            return Err(locked_message(state, until));
        }
    }
    Ok(())
}

/// Counts a failed check; the error is the lock message when this failure
/// locked a counter.
pub async fn failed(state: &AppState, keys: &Keys) -> WebResult<()> {
    let now = state.clock.now();
    let mut lock = None;
    for (key, policy) in &keys.0 {
        if let Some(until) = throttle::record_failure(state.db.pool(), key, *policy, now).await? {
            lock = lock.max(Some(until));
        }
    }
    match lock {
        Some(until) => Err(locked_message(state, until)),
        None => Ok(()),
    }
}

/// Forgets an account's failures after a successful check (the address's
/// count stays: many accounts tried from one place is what it watches).
pub async fn succeeded(state: &AppState, key: &str) -> WebResult<()> {
    throttle::clear(state.db.pool(), key).await?;
    Ok(())
}
