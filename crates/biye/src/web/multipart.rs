//! Reading one part of a multipart upload under a byte cap, as it streams: a
//! huge file is refused as soon as it passes the cap, never buffered whole.
//! Each upload handler words the refusal for its own page. The whole read
//! runs under a deadline ([`within`]), so a client sending a byte a second
//! cannot hold a connection and a handler for long.

use std::future::Future;
use std::time::Duration;

use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;

/// What the pages say when the body itself is broken or too large (the
/// parser's own words go to the log, not to the candidate).
pub fn broken(e: &MultipartError) -> String {
    tracing::info!(error = %e.body_text(), "multipart body refused");
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        "上传的内容过大：照片请用手机相机的标准设置拍摄，每个文件不超过规定大小".to_owned()
    } else {
        INCOMPLETE.to_owned()
    }
}

pub const INCOMPLETE: &str = "上传未完成或内容不完整，请重新上传";

/// Runs an upload's read under the installation's deadline
/// (`BIYE_UPLOAD_TIMEOUT`); past it, the Chinese refusal the pages show.
pub async fn within<T>(
    seconds: u64,
    read: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(Duration::from_secs(seconds), read)
        .await
        .unwrap_or_else(|_| Err(TIMED_OUT.to_owned()))
}

pub const TIMED_OUT: &str = "上传超时：网络太慢或已中断，请在信号良好处重新上传";

#[derive(Debug)]
pub enum PartError {
    /// The upload broke off (the client's connection, a malformed body);
    /// the detail is logged.
    Incomplete,
    /// The part passed the cap; how many bytes had arrived by then.
    TooLarge(usize),
}

/// The part's bytes, if they come to at most `cap`.
pub async fn read_capped(field: &mut Field<'_>, cap: usize) -> Result<Vec<u8>, PartError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            // The request's own limit, reached before the part's cap.
            PartError::TooLarge(buf.len())
        } else {
            tracing::info!(error = %e.body_text(), "upload broke off");
            PartError::Incomplete
        }
    })? {
        if buf.len() + chunk.len() > cap {
            return Err(PartError::TooLarge(buf.len() + chunk.len()));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}
