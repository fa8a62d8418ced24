//! The object store for photos, ID attachments and PDFs: a local directory by
//! default, any S3-compatible store by URL (through the `object_store` crate).
//! Objects are content-addressed (`sha256/ab/cdef…`), so a write is idempotent
//! and a row can only point at bytes that exist: callers put the object first
//! and commit the row after.
//!
//! The local directory is written by hand rather than through `object_store`
//! because personal data needs owner-only permissions (directories 0700,
//! files 0600, from the moment they exist) and because an acknowledged put
//! must survive a crash: the bytes go to a temporary file that is synced and
//! then renamed into place, and the directory is synced after.

mod local;

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::ObjectStore;
use sha2::{Digest, Sha256};

use crate::config::S3Options;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("无法打开文件存储“{0}”：{1}")]
    Open(String, String),
    #[error("文件存储错误：{0}")]
    Store(#[from] object_store::Error),
    #[error("文件存储读写失败：{0}")]
    Io(#[from] std::io::Error),
    #[error("存储的对象键无效：{0}")]
    Key(String),
    #[error("存储中找不到对象 {0}")]
    Missing(String),
}

#[derive(Clone, Debug)]
enum Backend {
    Local(Arc<local::LocalDir>),
    Remote(Arc<dyn ObjectStore>),
}

#[derive(Clone, Debug)]
pub struct Storage {
    backend: Backend,
}

impl Storage {
    /// Opens a local directory (created if missing), a `file://` URL or an
    /// `s3://BUCKET/PREFIX` URL with the given S3 options.
    pub fn open(url: &str, s3: &S3Options) -> Result<Self, StorageError> {
        let open_err =
            |e: &dyn std::fmt::Display| StorageError::Open(url.to_owned(), e.to_string());
        let backend = if !url.contains("://") || url.starts_with("file://") {
            let dir = url.trim_start_matches("file://");
            Backend::Local(Arc::new(
                local::LocalDir::open(dir.as_ref()).map_err(|e| open_err(&e))?,
            ))
        } else {
            let parsed = url::Url::parse(url).map_err(|e| open_err(&e))?;
            let (store, prefix) =
                object_store::parse_url_opts(&parsed, s3.pairs()).map_err(|e| open_err(&e))?;
            Backend::Remote(Arc::new(object_store::prefix::PrefixStore::new(
                store, prefix,
            )))
        };
        Ok(Self { backend })
    }

    /// Stores bytes under their SHA-256 and returns the key, once they are durable.
    pub async fn put(&self, bytes: Bytes) -> Result<String, StorageError> {
        let key = key_for(&bytes);
        match &self.backend {
            Backend::Local(dir) => {
                let (dir, k) = (dir.clone(), key.clone());
                tokio::task::spawn_blocking(move || dir.put(&k, &bytes))
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()))??;
            }
            Backend::Remote(store) => {
                store.put(&Path::from(key.as_str()), bytes.into()).await?;
            }
        }
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        if !is_key(key) {
            return Err(StorageError::Key(key.to_owned()));
        }
        match &self.backend {
            Backend::Local(dir) => {
                let (dir, k) = (dir.clone(), key.to_owned());
                tokio::task::spawn_blocking(move || dir.get(&k))
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()))?
            }
            Backend::Remote(store) => match store.get(&Path::from(key)).await {
                Ok(r) => Ok(r.bytes().await?),
                Err(object_store::Error::NotFound { .. }) => {
                    Err(StorageError::Missing(key.to_owned()))
                }
                Err(e) => Err(e.into()),
            },
        }
    }
}

/// `sha256/<first two hex>/<rest>`: spreads objects over 256 directories.
pub fn key_for(bytes: &[u8]) -> String {
    let hex = hex::encode(Sha256::digest(bytes));
    format!("sha256/{}/{}", &hex[..2], &hex[2..])
}

pub(crate) fn is_key(key: &str) -> bool {
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
        let s = Storage::open(dir.path().to_str().unwrap(), &S3Options::default()).unwrap();
        let k1 = s.put(Bytes::from_static(b"photo")).await.unwrap();
        let k2 = s.put(Bytes::from_static(b"photo")).await.unwrap();
        assert_eq!(k1, k2);
        assert_eq!(s.get(&k1).await.unwrap(), Bytes::from_static(b"photo"));
        assert!(matches!(
            s.get("../../etc/passwd").await,
            Err(StorageError::Key(_))
        ));
        let absent = key_for(b"never stored");
        assert!(matches!(
            s.get(&absent).await,
            Err(StorageError::Missing(_))
        ));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn personal_data_is_readable_by_the_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("objects");
        let s = Storage::open(root.to_str().unwrap(), &S3Options::default()).unwrap();
        let key = s.put(Bytes::from_static(b"id card")).await.unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let file = root.join(&key);
        assert_eq!(mode(&file), 0o600, "{}", file.display());
        let mut d = file.parent().unwrap().to_path_buf();
        while d.starts_with(&root) {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
            if !d.pop() {
                break;
            }
        }
        // No temporary file is left beside the object.
        let siblings = std::fs::read_dir(file.parent().unwrap()).unwrap().count();
        assert_eq!(siblings, 1);
    }
}
