//! Replays the inputs the fuzzing campaign (`fuzz/run.sh`) kept, from
//! `fuzz/regressions/<target>/`, through the same property each fuzz target
//! checks (`photo::fuzzing`, `biye::fuzzing`, `forms::fuzzing`), in every
//! `cargo test`. Here, in the crate that depends on the other two, so one
//! file replays them all. How inputs get there: `fuzz/README.md`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A fuzz target's property: panics when the input breaks it.
type Property = fn(&[u8]);

const TARGETS: &[(&str, Property)] = &[
    ("photo_check", photo::fuzzing::check),
    ("photo_fix", photo::fuzzing::fix),
    ("capture_upload", biye::fuzzing::capture_upload),
    ("attachment_upload", biye::fuzzing::attachment_upload),
    ("interchange", biye::fuzzing::interchange),
    ("ids", biye::fuzzing::ids),
    ("form_text", forms::fuzzing::form_text),
];

#[test]
fn what_the_fuzzer_kept_still_holds_its_property() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    for (target, property) in TARGETS {
        let dir = root.join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{target}: no inputs kept");
        for f in &files {
            let bytes = std::fs::read(f).expect("input");
            let t = Instant::now();
            property(&bytes);
            // Debug builds run slower than the campaign's release build (1 s).
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{}: {:?}",
                f.display(),
                t.elapsed()
            );
        }
    }
}
