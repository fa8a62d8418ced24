//! Each area of the site builds its routes through [`Area`], which records
//! every (method, path) it registers. The list is what the security tests
//! walk: every state-changing route is tried cross-site, every route by every
//! role, so a new route cannot be added without being tested.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;

use super::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    /// The route template, e.g. `/capture/{token}/photo`.
    pub path: &'static str,
}

#[derive(Default)]
pub struct Area {
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
}

impl Area {
    pub fn new() -> Self {
        Self::default()
    }

    fn add(mut self, method: Method, path: &'static str, mr: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, mr);
        self.routes.push(RouteInfo { method, path });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add(Method::GET, path, on(MethodFilter::GET, h))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add(Method::POST, path, on(MethodFilter::POST, h))
    }

    /// Applies a layer to the routes registered so far (e.g. a rate limit).
    pub fn limited(mut self, layer: super::throttle::RateLayer) -> Self {
        self.router = self.router.route_layer(layer);
        self
    }

    pub fn merge(mut self, other: Area) -> Self {
        self.router = self.router.merge(other.router);
        self.routes.extend(other.routes);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.routes)
    }
}
