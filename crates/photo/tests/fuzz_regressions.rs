//! Replays the inputs the fuzzing campaign (`fuzz/run.sh`) found
//! interesting, through the same properties the fuzz targets check
//! (`photo::fuzzing`), in every `cargo test`. One folder per target under
//! `tests/fuzz/`; see `fuzz/README.md` for how inputs get there.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn replay(target: &str, property: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for f in &files {
        let bytes = std::fs::read(f).expect("input");
        let t = Instant::now();
        property(&bytes);
        // Debug builds are slower than the campaign's release build.
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{}: {:?}",
            f.display(),
            t.elapsed()
        );
    }
    files.len()
}

#[test]
fn what_the_fuzzer_found_stays_fixed() {
    let n = replay("photo_check", photo::fuzzing::check) + replay("photo_fix", photo::fuzzing::fix);
    assert!(n > 0, "no regression inputs committed");
}
