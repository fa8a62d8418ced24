//! The one error type of the web layer.
//!
//! Policy: handlers return `Result<_, WebError>`. Expected failures (not found,
//! forbidden, a bad request, a lock-out) carry a Chinese message shown on a
//! plain error page with the right status. Anything else is `Internal`: the
//! response carries the detail in an extension, and the request-id layer
//! (`mod.rs`) logs it under the request id and shows the person only that id,
//! never a stack of English. Form mistakes are not errors: the handler
//! re-renders the form with the message beside what was typed.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("页面不存在")]
    NotFound,
    /// Not signed in: send the person to the right login page, and back to
    /// `next` (the page they asked for) once signed in.
    #[error("请先登录")]
    SignIn { staff: bool, next: Option<String> },
    /// Signed in with a one-time password: change it first.
    #[error("请先修改初始密码")]
    ChangePassword,
    /// Not allowed to this person, whatever the moment (authorisation).
    #[error("{0}")]
    Forbidden(&'static str),
    /// Allowed to this person, but not at this step of their application
    /// (a form before submission, a photo before the identity check …).
    #[error("{0}")]
    NotNow(&'static str),
    #[error("{0}")]
    BadRequest(String),
    /// A link that was valid once (an expired or used QR code).
    #[error("{0}")]
    Gone(&'static str),
    #[error("提交的内容过大")]
    TooLarge,
    #[error("页面已过期或来源不明，请返回上一页刷新后重试")]
    Csrf,
    /// Too many failed attempts: the message says until when.
    #[error("{0}")]
    Locked(String),
    #[error("请求过于频繁，请 {0} 秒后再试")]
    TooMany(u64),
    #[error("系统繁忙，请稍候再试")]
    Busy,
    #[error("服务器内部错误")]
    Internal(BoxError),
}

impl WebError {
    pub fn internal(e: impl Into<BoxError>) -> Self {
        WebError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::SignIn { .. } | WebError::ChangePassword => StatusCode::SEE_OTHER,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotNow(_) => StatusCode::CONFLICT,
            WebError::Gone(_) => StatusCode::GONE,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Locked(_) | WebError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for WebError {
            fn from(e: $t) -> Self {
                WebError::Internal(e.into())
            }
        }
    )*};
}

internal_from!(
    sqlx::Error,
    askama::Error,
    crate::storage::StorageError,
    tokio::task::JoinError
);

impl From<crate::passwords::HashError> for WebError {
    fn from(e: crate::passwords::HashError) -> Self {
        match e {
            crate::passwords::HashError::Busy => WebError::Busy,
            other => WebError::Internal(other.into()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct ErrorPage<'a> {
    pub status: u16,
    pub message: &'a str,
}

/// The detail of a 500, for the request-id layer to log.
#[derive(Clone, Debug)]
pub struct Unreported(pub std::sync::Arc<String>);

pub fn page(status: StatusCode, message: &str) -> Response {
    let body = ErrorPage {
        status: status.as_u16(),
        message,
    }
    .render()
    .unwrap_or_else(|_| message.to_owned());
    (status, Html(body)).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            WebError::SignIn { staff, next } => {
                let mut to = String::from(if staff { "/staff/login" } else { "/login" });
                if let Some(next) = next {
                    to.push_str("?next=");
                    to.extend(form_urlencoded::byte_serialize(next.as_bytes()));
                }
                (status, [(header::LOCATION, to)]).into_response()
            }
            WebError::ChangePassword => {
                (status, [(header::LOCATION, "/staff/password")]).into_response()
            }
            WebError::Internal(e) => {
                let mut res = page(status, "服务器内部错误，请稍后重试。");
                res.extensions_mut()
                    .insert(Unreported(std::sync::Arc::new(format!("{e:?}"))));
                res
            }
            other => page(status, &other.to_string()),
        }
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// Renders a template into a response.
pub fn render<T: Template>(t: &T) -> WebResult<Html<String>> {
    Ok(Html(t.render()?))
}
