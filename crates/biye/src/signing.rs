//! Signed references under the installation's keys.
//!
//! The QR code on a printed form carries `ADMISSION_NO.BATCH.KID.SIGNATURE`,
//! so the office's scanner can trust what it reads; the key id lets a key be
//! rotated without voiding forms printed before (old keys stay in the ring to
//! verify, only the newest signs). The 校验码 printed under the QR code, for
//! typing in by hand, is 10 base32 characters (50 bits) of the same MAC,
//! shown as `XXXXX-XXXXX`; it is checked against every key of the ring.
//!
//! The same keys sign the anonymous forms' CSRF tokens and one-time codes
//! (each under its own purpose label, so one kind can never pass as another).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Hex characters of the signature kept in the QR reference (64 bits).
const SIG_CHARS: usize = 16;
/// Base32 characters of the hand-typed 校验码 (50 bits).
const CODE_CHARS: usize = 10;
/// Crockford's base32: no I, L, O, U, so 0/O and 1/I/L cannot be confused.
const BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("签名密钥为空")]
    Empty,
    #[error("签名密钥第 {0} 行过短：至少需要 {MIN_SECRET_LEN} 个字符")]
    Short(usize),
    #[error("签名密钥第 {0} 行的密钥编号应为 1–8 个字母或数字")]
    Kid(usize),
}

#[derive(Clone)]
struct Key {
    id: String,
    secret: Vec<u8>,
}

/// The installation's signing keys, newest first.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        write!(f, "Keyring({ids:?})")
    }
}

impl Keyring {
    /// Reads `KID:SECRET` lines (newest first), or one bare secret whose id is
    /// derived from it. Blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<Keyring, KeyError> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, secret) = match line.split_once(':') {
                Some((id, s))
                    if !id.is_empty()
                        && id.len() <= 8
                        && id.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    (id.to_owned(), s)
                }
                Some((id, _)) if id.len() <= 8 && !id.contains(char::is_whitespace) => {
                    return Err(KeyError::Kid(n + 1))
                }
                _ => (derived_id(line.as_bytes()), line),
            };
            if secret.len() < MIN_SECRET_LEN {
                return Err(KeyError::Short(n + 1));
            }
            keys.push(Key {
                id,
                secret: secret.as_bytes().to_vec(),
            });
        }
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Keyring { keys })
    }

    fn current(&self) -> &Key {
        &self.keys[0]
    }

    pub fn current_id(&self) -> &str {
        &self.current().id
    }

    /// The raw MAC of `parts` under the current key, for a purpose.
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        mac_with(&self.current().secret, purpose, parts)
    }

    /// `ADMISSION_NO.BATCH.KID.SIGNATURE`, safe in a URL query.
    pub fn form_reference(&self, admission_no: &str, batch: &str) -> String {
        let k = self.current();
        let sig = hex::encode(form_mac(&k.secret, admission_no, batch));
        format!("{admission_no}.{batch}.{}.{}", k.id, &sig[..SIG_CHARS])
    }

    /// The admission number and batch of a genuine reference, under whichever
    /// key of the ring signed it.
    pub fn verify(&self, reference: &str) -> Option<(String, String)> {
        let mut parts = reference.split('.');
        let (a, b, kid, sig) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || sig.len() != SIG_CHARS {
            return None;
        }
        let key = self.keys.iter().find(|k| k.id == kid)?;
        let expected = hex::encode(form_mac(&key.secret, a, b));
        bool::from(sig.as_bytes().ct_eq(&expected.as_bytes()[..SIG_CHARS]))
            .then(|| (a.to_owned(), b.to_owned()))
    }

    /// The 校验码 printed on this candidate's form in this batch: `7Q4KM-2M9DX`.
    pub fn short_code(&self, admission_no: &str, batch: &str) -> String {
        let raw = code_chars(&form_mac(&self.current().secret, admission_no, batch));
        format!("{}-{}", &raw[..5], &raw[5..])
    }

    /// Whether `code` is the 校验码 of this candidate's form in this batch,
    /// under any key of the ring; dashes, spaces and letter case as typed do
    /// not matter, and O/I/L read as 0/1/1.
    pub fn short_code_matches(&self, admission_no: &str, batch: &str, code: &str) -> bool {
        let typed: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        if typed.len() != CODE_CHARS {
            return false;
        }
        let mut any = false;
        for k in &self.keys {
            let want = code_chars(&form_mac(&k.secret, admission_no, batch));
            any |= bool::from(typed.as_bytes().ct_eq(want.as_bytes()));
        }
        any
    }
}

fn derived_id(secret: &[u8]) -> String {
    hex::encode(&Sha256::digest(secret)[..2])
}

fn mac_with(secret: &[u8], purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    m.update(purpose.as_bytes());
    for p in parts {
        m.update(b"\0");
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

fn form_mac(secret: &[u8], admission_no: &str, batch: &str) -> [u8; 32] {
    mac_with(
        secret,
        "registration-form",
        &[admission_no.as_bytes(), batch.as_bytes()],
    )
}

/// The first 50 bits of a MAC as 10 base32 characters.
fn code_chars(mac: &[u8; 32]) -> String {
    let mut bits = u64::from_be_bytes(mac[..8].try_into().expect("8 bytes"));
    let mut out = String::with_capacity(CODE_CHARS);
    for _ in 0..CODE_CHARS {
        out.push(BASE32[(bits >> 59) as usize] as char);
        bits <<= 5;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "k1:0123456789abcdef0123456789abcdef";
    const K2: &str = "k2:fedcba9876543210fedcba9876543210";

    #[test]
    fn a_reference_verifies_and_a_tampered_one_does_not() {
        let ring = Keyring::parse(K1).unwrap();
        let r = ring.form_reference("020118100001", "2023H1");
        assert!(r.starts_with("020118100001.2023H1.k1."), "{r}");
        assert_eq!(
            ring.verify(&r),
            Some(("020118100001".into(), "2023H1".into()))
        );
        assert_eq!(ring.verify(&r.replace("100001", "100002")), None);
        assert_eq!(Keyring::parse(K2).unwrap().verify(&r), None);
        assert_eq!(ring.verify("garbage"), None);
        assert_eq!(ring.verify(&format!("{r}.extra")), None);
    }

    #[test]
    fn a_rotated_ring_still_verifies_forms_printed_under_the_old_key() {
        let old = Keyring::parse(K1).unwrap();
        let printed = old.form_reference("020118100001", "2023H1");
        let code = old.short_code("020118100001", "2023H1");
        let rotated = Keyring::parse(&format!("{K2}\n{K1}\n")).unwrap();
        assert_eq!(rotated.current_id(), "k2");
        assert!(rotated.verify(&printed).is_some());
        assert!(rotated.short_code_matches("020118100001", "2023H1", &code));
        // New forms are signed with the new key.
        assert!(rotated
            .form_reference("020118100001", "2023H1")
            .contains(".k2."));
    }

    #[test]
    fn the_short_code_carries_fifty_bits_and_is_checked_as_typed() {
        let ring = Keyring::parse(K1).unwrap();
        let code = ring.short_code("020118100001", "2023H1");
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert!(code.replace('-', "").bytes().all(|b| BASE32.contains(&b)));
        assert!(ring.short_code_matches("020118100001", "2023H1", &code));
        let typed = code.to_lowercase().replace('-', " ");
        assert!(ring.short_code_matches("020118100001", "2023H1", &typed));
        assert!(!ring.short_code_matches("020118100002", "2023H1", &code));
        assert!(!ring.short_code_matches("020118100001", "2023H2", &code));
        assert!(!ring.short_code_matches("020118100001", "2023H1", &code[..5]));
        assert!(!ring.short_code_matches("020118100001", "2023H1", ""));
    }

    #[test]
    fn keys_must_be_long_and_named_plainly() {
        assert_eq!(Keyring::parse("").unwrap_err(), KeyError::Empty);
        assert_eq!(Keyring::parse("short").unwrap_err(), KeyError::Short(1));
        assert_eq!(
            Keyring::parse("k-1:0123456789abcdef0123456789abcdef").unwrap_err(),
            KeyError::Kid(1)
        );
        // A bare secret gets an id derived from it, stable across restarts.
        let a = Keyring::parse("0123456789abcdef0123456789abcdef").unwrap();
        let b = Keyring::parse("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(a.current_id(), b.current_id());
        assert_eq!(a.current_id().len(), 4);
    }

    proptest::proptest! {
        /// Whatever a scanner or a person types, checking never panics and
        /// never accepts what this installation did not sign.
        #[test]
        fn arbitrary_references_are_refused_without_panicking(r in ".{0,80}", code in ".{0,20}") {
            let ring = Keyring::parse(K1).unwrap();
            proptest::prop_assert_eq!(ring.verify(&r), None);
            proptest::prop_assert!(!ring.short_code_matches("020118100001", "2023H1", &code));
        }
    }
}
