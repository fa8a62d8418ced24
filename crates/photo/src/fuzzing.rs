//! The properties the fuzz targets (`fuzz/`) hold the engine to, shared with
//! the regression tests that replay what a campaign found
//! (`crates/biye/tests/fuzz_regressions.rs`), so both check exactly the same thing.

use std::sync::OnceLock;

use crate::{Engine, Input, PhotoSpec, Stage};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::load().expect("the bundled models load"))
}

/// Any bytes through `check`, as a phone capture and as the delivered file:
/// a report always comes back.
pub fn check(bytes: &[u8]) {
    let spec = PhotoSpec::certificate();
    for stage in [Stage::Capture, Stage::Delivery] {
        let input = Input {
            bytes,
            name: Some("x.jpg"),
            stage,
        };
        let report = engine().check_input(&input, &spec);
        assert!(!report.findings.is_empty(), "a report without findings");
    }
}

/// Any bytes through `fix` (replacement allowed): a JPEG that checks as one,
/// or a refusal with reasons.
pub fn fix(bytes: &[u8]) {
    let Some(spec) = PhotoSpec::certificate().with_replacement("白色") else {
        unreachable!("白色 is a reference colour")
    };
    match engine().fix(bytes, &spec) {
        Ok(fixed) => {
            let report = engine().check(&fixed.jpeg, &spec);
            assert_eq!(report.file.format, "jpeg", "{:?}", report.file);
        }
        Err(u) => assert!(
            !u.reasons.is_empty() || !u.report.compliant,
            "a refusal without a reason"
        ),
    }
}
