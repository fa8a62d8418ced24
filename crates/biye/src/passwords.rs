//! Password hashing and the rules for a new password.
//!
//! Hashing is argon2id with the crate's default (OWASP) parameters: tens of
//! milliseconds and 19 MiB per hash by design, so async callers go through
//! [`Hasher`], which runs it on the blocking pool under a semaphore sized to
//! the cores: a flood of sign-ins queues instead of exhausting memory.
//!
//! Rules (NIST SP 800-63B): at least 10 characters, no composition rules, and
//! not one of the 1,000 most common passwords (`data/common-passwords.txt`).

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use tokio::sync::Semaphore;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

static COMMON: &str = include_str!("../data/common-passwords.txt");

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("密码处理失败：{0}")]
    Argon(String),
    #[error("系统繁忙，请稍候再试")]
    Busy,
}

pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Argon(e.to_string()))
}

/// True when `password` matches the stored PHC string; a malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist or has no
/// password yet, so that every failure takes as long as a wrong password.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password").unwrap_or_default())
}

/// Checks a new password; the error is shown to the person as it is.
pub fn check_new(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    if n < MIN_LEN {
        return Err(format!("密码至少 {MIN_LEN} 个字符（现为 {n} 个）"));
    }
    if n > MAX_LEN {
        return Err(format!("密码最多 {MAX_LEN} 个字符"));
    }
    if p.chars().any(char::is_control) {
        return Err("密码不能含有控制字符".into());
    }
    let lower = p.to_lowercase();
    if COMMON.lines().any(|c| c == lower) {
        return Err("该密码过于常见，很容易被猜中，请换一个".into());
    }
    Ok(())
}

/// Runs argon2 off the async runtime, at most one hash per core at a time.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

/// How long a request waits for a free core before it is told to retry.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// One hasher per core of this machine.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(QUEUE_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let out = tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|e| HashError::Argon(e.to_string()))?;
        Ok(out)
    }

    /// Verifies against `stored`, or against the decoy when there is none, so
    /// that both take the same time; true only for a real match.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        self.run(move || {
            let ok = verify(&password, stored.as_deref().unwrap_or(decoy()));
            ok && stored.is_some()
        })
        .await
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || hash(&password)).await?
    }
}

/// A random password for a one-time or demo account: 15 characters of an
/// unambiguous alphabet in three groups (about 71 bits).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let group = |rng: &mut rand::rngs::ThreadRng| -> String {
        (0..5)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect()
    };
    format!(
        "{}-{}-{}",
        group(&mut rng),
        group(&mut rng),
        group(&mut rng)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("Demo-2023-pass").unwrap();
        assert!(verify("Demo-2023-pass", &h));
        assert!(!verify("demo-2023-pass", &h));
        assert!(!verify("Demo-2023-pass", "not a hash"));
    }

    #[test]
    fn new_passwords_are_long_and_uncommon_without_composition_rules() {
        assert!(check_new("abc").is_err());
        assert!(check_new("abcdefghi").is_err(), "9 characters");
        assert!(check_new("abcdefghij").is_ok(), "no composition rules");
        assert!(check_new("我的密码是一句完整的话").is_ok());
        // On the list of the most common passwords, whatever the case.
        for common in ["1234567890", "QWERTYUIOP", "password123"] {
            let e = check_new(common).unwrap_err();
            assert!(e.contains("过于常见"), "{common}: {e}");
        }
        assert!(check_new(&"a".repeat(129)).is_err());
        assert!(check_new("abcdefghij\u{0}").is_err());
        assert_eq!(COMMON.lines().count(), 1000);
        assert!(check_new(&generate()).is_ok());
    }

    #[tokio::test]
    async fn the_hasher_verifies_a_missing_hash_as_a_failure() {
        let h = Hasher::new(1);
        let stored = h.hash("Demo-2023-pass".into()).await.unwrap();
        assert!(h
            .verify("Demo-2023-pass".into(), Some(stored))
            .await
            .unwrap());
        assert!(!h.verify("decoy password".into(), None).await.unwrap());
    }
}
