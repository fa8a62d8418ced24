//! The object store for photos, ID attachments and PDFs, through the
//! `object_store` crate: a local directory by default, any S3-compatible store by
//! URL. Objects are content-addressed (`sha256/ab/cdef…`), so a write is
//! idempotent and a row can only point at bytes that exist: callers put the
//! object first and commit the row after.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::ObjectStore;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("无法打开文件存储“{0}”：{1}")]
    Open(String, String),
    #[error("文件存储错误：{0}")]
    Store(#[from] object_store::Error),
    #[error("存储的对象键无效：{0}")]
    Key(String),
}

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    /// Opens a local directory (created if missing), a `file://` URL or any URL
    /// `object_store` understands (s3://, with AWS_* variables for credentials).
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let open_err =
            |e: &dyn std::fmt::Display| StorageError::Open(url.to_owned(), e.to_string());
        let store: Arc<dyn ObjectStore> = if !url.contains("://") || url.starts_with("file://") {
            let dir = url.trim_start_matches("file://");
            std::fs::create_dir_all(dir).map_err(|e| open_err(&e))?;
            Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| open_err(&e))?,
            )
        } else {
            let parsed = url::Url::parse(url).map_err(|e| open_err(&e))?;
            let options: Vec<(String, String)> = std::env::vars()
                .filter(|(k, _)| k.starts_with("AWS_"))
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            let (store, prefix) =
                object_store::parse_url_opts(&parsed, options).map_err(|e| open_err(&e))?;
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Ok(Self { store })
    }

    /// Stores bytes under their SHA-256 and returns the key.
    pub async fn put(&self, bytes: Bytes) -> Result<String, StorageError> {
        let key = key_for(&bytes);
        self.store
            .put(&Path::from(key.as_str()), bytes.into())
            .await?;
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        if !is_key(key) {
            return Err(StorageError::Key(key.to_owned()));
        }
        Ok(self.store.get(&Path::from(key)).await?.bytes().await?)
    }
}

/// `sha256/<first two hex>/<rest>`: spreads objects over 256 directories.
pub fn key_for(bytes: &[u8]) -> String {
    let hex = hex::encode(Sha256::digest(bytes));
    format!("sha256/{}/{}", &hex[..2], &hex[2..])
}

fn is_key(key: &str) -> bool {
    let mut parts = key.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("sha256"), Some(a), Some(b), None)
            if a.len() == 2 && b.len() == 62 && (a.chars().chain(b.chars())).all(|c| c.is_ascii_hexdigit())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_addressed_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::open(dir.path().to_str().unwrap()).unwrap();
        let k1 = s.put(Bytes::from_static(b"photo")).await.unwrap();
        let k2 = s.put(Bytes::from_static(b"photo")).await.unwrap();
        assert_eq!(k1, k2);
        assert_eq!(s.get(&k1).await.unwrap(), Bytes::from_static(b"photo"));
        assert!(matches!(
            s.get("../../etc/passwd").await,
            Err(StorageError::Key(_))
        ));
    }
}
