//! The properties the fuzz targets (`fuzz/`) hold biye's parsers and upload
//! validation to, shared with the regression tests that replay what a
//! campaign kept (`tests/fuzz_regressions.rs`).

use crate::domain::{
    AdmissionNo, BatchCode, CourseCode, IdNo, IdType, MajorCode, OfficeCode, PhoneNumber,
    ResidentIdNo, SchoolCode, Sitting,
};

/// The phone upload's validation once the body is read: the size gate,
/// `fix`, the re-check.
pub fn capture_upload(bytes: &[u8]) {
    let engine = crate::capture::engine().expect("the bundled models load");
    let (outcome, fixed) = crate::capture::process(engine, bytes, &photo::PhotoSpec::certificate());
    if outcome.acceptable() {
        assert!(fixed.is_some(), "acceptable without a fixed file");
    }
    let _ = outcome.shown();
}

/// ID-card photos and correction evidence: whatever is accepted is a
/// whole JPEG.
pub fn attachment_upload(bytes: &[u8]) {
    if let Ok(clean) = crate::uploads::attachment(bytes) {
        assert!(clean.jpeg.starts_with(&[0xFF, 0xD8]) && clean.jpeg.ends_with(&[0xFF, 0xD9]));
    }
}

/// The exam system's file: parsed whole, or refused with errors.
pub fn interchange(bytes: &[u8]) {
    if let Err(errors) = crate::interchange::read(std::io::Cursor::new(bytes)) {
        assert!(!errors.is_empty(), "refused without an error");
    }
}

macro_rules! round_trip {
    ($t:ty, $s:expr) => {
        if let Ok(v) = <$t>::parse($s) {
            assert_eq!(<$t>::parse(v.as_str()).ok(), Some(v));
        }
    };
}

/// Every identifier parser: what parses prints back as itself.
pub fn ids(bytes: &[u8]) {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return;
    };
    round_trip!(AdmissionNo, s);
    round_trip!(ResidentIdNo, s);
    round_trip!(CourseCode, s);
    round_trip!(OfficeCode, s);
    round_trip!(MajorCode, s);
    round_trip!(SchoolCode, s);
    round_trip!(PhoneNumber, s);
    let _ = Sitting::parse(s);
    let _ = BatchCode::parse(s);
    for t in [
        IdType::ResidentId,
        IdType::HkMacauPermit,
        IdType::TaiwanPermit,
        IdType::Passport,
    ] {
        if let Ok(v) = IdNo::parse(t, s) {
            assert_eq!(IdNo::parse(t, v.as_str()).ok(), Some(v));
        }
    }
}
