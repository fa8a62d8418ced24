//! The local-directory backend: owner-only permissions and crash-safe puts
//! (temporary file, fsync, rename, fsync of the directory).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::StorageError;

#[derive(Debug)]
pub(super) struct LocalDir {
    root: PathBuf,
}

fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

fn private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

impl LocalDir {
    pub(super) fn open(root: &Path) -> io::Result<LocalDir> {
        create_private_dir_all(root)?;
        Ok(LocalDir {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if !super::is_key(key) {
            return Err(StorageError::Key(key.to_owned()));
        }
        Ok(self.root.join(key))
    }

    pub(super) fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let path = self.path(key)?;
        if path.exists() {
            // Content-addressed: the same key holds the same bytes.
            return Ok(());
        }
        let dir = path.parent().ok_or_else(|| StorageError::Key(key.into()))?;
        create_private_dir_all(dir)?;
        let tmp = dir.join(format!(".tmp-{:016x}", rand::random::<u64>()));
        let result = (|| {
            let mut f = private_file(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)?;
            File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        Ok(result?)
    }

    pub(super) fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let path = self.path(key)?;
        let mut f = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StorageError::Missing(key.to_owned()))
            }
            Err(e) => return Err(e.into()),
        };
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        Ok(buf.into())
    }
}
