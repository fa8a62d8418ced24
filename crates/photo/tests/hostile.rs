//! Bad input is a feature: no bytes make `check` or `fix` panic, and every
//! refusal is a finding, not a crash. Random bytes, and valid files with
//! bytes flipped, cut or spliced, are thrown at the full pipeline.

mod common;

use common::derived::*;
use common::*;
use photo::{Input, Stage};
use proptest::prelude::*;

fn run_everything(bytes: &[u8]) {
    for stage in [Stage::Delivery, Stage::Capture] {
        let r = engine().check_input(
            &Input {
                bytes,
                name: Some("x.jpg"),
                stage,
            },
            &spec(),
        );
        // A report always says something, and a refusal always says why.
        assert!(!r.findings.is_empty());
        assert!(
            r.failures().all(|f| !f.advice.is_empty()),
            "{:?}",
            r.failures().collect::<Vec<_>>()
        );
    }
    if let Err(u) = engine().fix(bytes, &spec()) {
        assert!(!u.reasons.is_empty() || !u.report.compliant);
    }
}

fn valid_files() -> Vec<Vec<u8>> {
    let (jpeg, _) = base();
    vec![
        jpeg.clone(),
        sample("sample_id_3_crop.jpg"),
        sample("chelsea.png"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        run_everything(&bytes);
    }

    #[test]
    fn random_bytes_behind_a_jpeg_signature_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = vec![0xFF, 0xD8, 0xFF];
        bytes.extend(tail);
        run_everything(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn damaged_real_files_never_panic(
        which in 0usize..3,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_files().swap_remove(which);
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        if truncate {
            let n = cut.index(bytes.len());
            bytes.truncate(n);
        }
        run_everything(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The marker parser alone, fast enough for many cases.
    #[test]
    fn the_container_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(&bytes);
        let _ = photo::container::read_jpeg(&jpeg);
        let _ = photo::container::exif_orientation(&bytes);
        let _ = photo::decode::dimensions(&bytes);
    }
}

#[test]
fn oversize_uploads_are_refused_without_decoding() {
    let huge = vec![0u8; (spec().capture.max_bytes + 1) as usize];
    let r = engine().check(&huge, &spec());
    assert_fails(&r, photo::Code::FileDecodeLimit, "oversize");
}

#[test]
fn fix_then_check_passes_on_every_fixable_derived_input() {
    let mut fixed_any = 0;
    for case in derived_cases() {
        if let Ok(fixed) = engine().fix(&case.bytes, &spec()) {
            fixed_any += 1;
            let r = engine().check(&fixed.jpeg, &spec());
            assert!(
                r.compliant,
                "{}: fixed photo fails {:?}",
                case.name,
                failed(&r)
            );
        }
    }
    assert!(
        fixed_any >= 10,
        "only {fixed_any} derived cases were fixable"
    );
}

#[test]
fn what_cropping_cannot_repair_is_refused_with_reasons() {
    let cases = derived_cases();
    let by_name = |n: &str| {
        &cases
            .iter()
            .find(|c| c.name == n)
            .expect("case exists")
            .bytes
    };
    for (name, bytes) in [
        ("blurred", by_name("blurred").clone()),
        ("rotated", by_name("rotated").clone()),
        (
            "gradient_background",
            by_name("gradient_background").clone(),
        ),
        ("second_face", by_name("second_face").clone()),
        ("no face (cat)", sample("chelsea.png")),
        ("busy backdrop", sample("astronaut.png")),
    ] {
        let u = engine()
            .fix(&bytes, &spec())
            .err()
            .unwrap_or_else(|| panic!("{name} must not be fixable"));
        assert!(
            !u.advice().is_empty() && u.advice().iter().all(|a| !a.is_empty()),
            "{name}"
        );
    }
}
