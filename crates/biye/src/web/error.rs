//! The one error type of the web layer.
//!
//! Policy: handlers return `Result<_, WebError>`. Expected failures (not found,
//! forbidden, a bad request) carry a Chinese message shown on a plain error page
//! with the right status. Anything else is `Internal`: the detail is logged with
//! a reference number and the person sees only that number, never a stack of
//! English. Form mistakes are not errors: the handler re-renders the form.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("页面不存在")]
    NotFound,
    /// Not signed in: send the person to the right login page, and back to
    /// `next` (the page they asked for) once signed in.
    #[error("请先登录")]
    SignIn { staff: bool, next: Option<String> },
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("页面已过期或来源不明，请返回上一页刷新后重试")]
    Csrf,
    #[error("服务器内部错误")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for WebError {
    fn from(e: sqlx::Error) -> Self {
        WebError::Internal(e.into())
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            WebError::NotFound => (StatusCode::NOT_FOUND, self.to_string()),
            WebError::SignIn { staff, next } => {
                let mut to = String::from(if *staff { "/staff/login" } else { "/login" });
                if let Some(next) = next {
                    to.push_str("?next=");
                    to.extend(form_urlencoded::byte_serialize(next.as_bytes()));
                }
                return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
            }
            WebError::Forbidden(_) => (StatusCode::FORBIDDEN, self.to_string()),
            WebError::BadRequest(_) => (StatusCode::BAD_REQUEST, self.to_string()),
            WebError::Csrf => (StatusCode::FORBIDDEN, self.to_string()),
            WebError::Internal(e) => {
                let reference = rand::random::<u32>();
                tracing::error!(reference, error = ?e, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, format!("服务器内部错误，请稍后重试。如仍有问题，请告知考办错误编号 {reference:08x}。"))
            }
        };
        let body = ErrorPage {
            status: status.as_u16(),
            message: &message,
        }
        .render()
        .unwrap_or_else(|_| message.clone());
        (status, Html(body)).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// Renders a template into a response.
pub fn render<T: Template>(t: &T) -> WebResult<Html<String>> {
    Ok(Html(t.render()?))
}
