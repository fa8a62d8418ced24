//! Reading one part of a multipart upload under a byte cap, as it streams: a
//! huge file is refused as soon as it passes the cap, never buffered whole.
//! Each upload handler words the refusal for its own page.

use axum::extract::multipart::Field;

#[derive(Debug)]
pub enum PartError {
    /// The upload broke off (the client's connection, a malformed body).
    Incomplete(String),
    /// The part passed the cap; how many bytes had arrived by then.
    TooLarge(usize),
}

/// The part's bytes, if they come to at most `cap`.
pub async fn read_capped(field: &mut Field<'_>, cap: usize) -> Result<Vec<u8>, PartError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| PartError::Incomplete(e.body_text()))?
    {
        if buf.len() + chunk.len() > cap {
            return Err(PartError::TooLarge(buf.len() + chunk.len()));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}
