//! Signed references: the QR code on a printed form carries the admission
//! number and batch with an HMAC, so the office's scanner can trust what it
//! reads without the form revealing anything guessable. The short code
//! printed under the QR code is the first characters of the same signature,
//! for typing in by hand.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Characters of the signature kept in URLs (64 bits: forging one takes
/// 2^64 guesses against a server that rate-limits lookups).
const SIG_CHARS: usize = 16;

fn mac(secret: &[u8], admission_no: &str, batch: &str) -> String {
    let mut m = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    m.update(b"registration-form\0");
    m.update(admission_no.as_bytes());
    m.update(b"\0");
    m.update(batch.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// `ADMISSION_NO.BATCH.SIGNATURE`, safe in a URL query.
pub fn form_reference(secret: &[u8], admission_no: &str, batch: &str) -> String {
    let sig = mac(secret, admission_no, batch);
    format!("{admission_no}.{batch}.{}", &sig[..SIG_CHARS])
}

/// The short code printed under the QR code: `7Q4K-2M9D`.
pub fn short_code(reference: &str) -> String {
    let sig = reference
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let s: String = sig.chars().take(8).collect();
    if s.len() == 8 {
        format!("{}-{}", &s[..4], &s[4..])
    } else {
        s
    }
}

/// The admission number and batch of a genuine reference.
pub fn verify(secret: &[u8], reference: &str) -> Option<(String, String)> {
    let mut parts = reference.splitn(3, '.');
    let (a, b, sig) = (parts.next()?, parts.next()?, parts.next()?);
    let expected = mac(secret, a, b);
    let ok = sig.len() == SIG_CHARS
        && bool::from(sig.as_bytes().ct_eq(&expected.as_bytes()[..SIG_CHARS]));
    ok.then(|| (a.to_owned(), b.to_owned()))
}

/// Whether `code` is the short code printed on the form of this candidate in
/// this batch; dashes, spaces and letter case as typed do not matter.
pub fn short_code_matches(secret: &[u8], admission_no: &str, batch: &str, code: &str) -> bool {
    let typed: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let want: String = short_code(&form_reference(secret, admission_no, batch)).replace('-', "");
    typed.len() == want.len() && bool::from(typed.as_bytes().ct_eq(want.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_verifies_and_a_tampered_one_does_not() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let r = form_reference(secret, "020118100001", "2023H1");
        assert_eq!(
            verify(secret, &r),
            Some(("020118100001".into(), "2023H1".into()))
        );
        assert_eq!(verify(secret, &r.replace("100001", "100002")), None);
        assert_eq!(verify(b"another secret, just as long!!!!", &r), None);
        assert_eq!(verify(secret, "garbage"), None);
        assert_eq!(short_code(&r).len(), 9);
    }

    proptest::proptest! {
        /// Whatever a scanner or a person types, checking never panics and
        /// never accepts what this installation did not sign.
        #[test]
        fn arbitrary_references_are_refused_without_panicking(r in ".{0,80}", code in ".{0,20}") {
            let secret = b"0123456789abcdef0123456789abcdef";
            proptest::prop_assert_eq!(verify(secret, &r), None);
            proptest::prop_assert!(!short_code_matches(secret, "020118100001", "2023H1", &code));
        }
    }

    #[test]
    fn the_short_code_is_checked_as_typed() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let code = short_code(&form_reference(secret, "020118100001", "2023H1"));
        assert!(short_code_matches(secret, "020118100001", "2023H1", &code));
        assert!(short_code_matches(
            secret,
            "020118100001",
            "2023H1",
            &code.to_lowercase().replace('-', " ")
        ));
        assert!(!short_code_matches(secret, "020118100002", "2023H1", &code));
        assert!(!short_code_matches(secret, "020118100001", "2023H2", &code));
        assert!(!short_code_matches(
            secret,
            "020118100001",
            "2023H1",
            &code[..4]
        ));
        assert!(!short_code_matches(secret, "020118100001", "2023H1", ""));
    }
}
