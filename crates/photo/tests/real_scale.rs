//! The labelled rules on the set's small photos enlarged to the size a phone
//! capture is analysed at (640 pixels on the short side); `real.rs` checks
//! LFW's 250-pixel photos as they are. Measures read at one scale need not
//! hold at another: the second detector's scores for a blurred face move
//! with the picture's scale (`docs/benchmarks.md`, "A second detector that
//! must agree"), and the mouth's readings were tuned where teeth are two or
//! three pixels high. So every rule is held to its figures at both sizes.
//!
//! Run `cargo test -p photo --test real_scale -- --nocapture` for the table.

mod common;

use photo::{Input, Stage};

/// Per rule column: the least detection and the most false alarms on the
/// 175 enlarged photos, at the figures measured (2026-12-05) with one photo
/// of slack on detection, as in `real.rs`. Measured: tinted 12 of 14 (false
/// alarms 0 of 160), mouth 90 of 96 (3 of 50), other faces 28 of 32 (0 of
/// 115), roll 12 of 14, yaw 11 of 11, backdrop 167 of 168 (1 of 3).
/// `face_multiple` is the second detector's ratchet at the size where its
/// scores on faces that are not there run highest (27 of 32 before it).
const FLOORS: [(&str, f64, f64); 6] = [
    ("glasses_tinted", 0.78, 0.0),
    ("mouth_closed", 0.92, 0.06),
    ("face_multiple", 0.84, 0.0),
    ("pose_roll", 0.78, 1.0),
    ("pose_yaw", 0.90, 1.0),
    ("background", 0.98, 0.34),
];

/// LFW's 250 pixels to the analysed 640.
const ENLARGE: (u32, u32) = (64, 25);

#[test]
fn every_rule_holds_at_a_capture_s_analysed_size() {
    let (engine, spec) = (common::engine(), common::spec());
    let mut tallies = vec![common::labels::Tally::default(); FLOORS.len()];
    let mut photos = 0;
    for photo in common::labels::read() {
        let img = common::pixels(
            &std::fs::read(common::real_dir().join("images").join(&photo.file)).expect("photo"),
        );
        if img.width.min(img.height) >= 400 {
            continue; // Already at least a capture's analysed size.
        }
        photos += 1;
        let (w, h) = (img.width as f32, img.height as f32);
        let big = img.resample(
            (0.0, 0.0, w, h),
            img.width * ENLARGE.0 / ENLARGE.1,
            img.height * ENLARGE.0 / ENLARGE.1,
        );
        let bytes = common::jpeg(&big, 92);
        let input = Input {
            bytes: &bytes,
            name: None,
            stage: Stage::Capture,
        };
        let report = engine.check_input(&input, &spec);
        for ((column, _, _), tally) in FLOORS.iter().zip(tallies.iter_mut()) {
            let Some(Some(defect)) = photo.labels.get(*column).copied() else {
                continue;
            };
            tally.record(&photo.file, defect, common::labels::flags(&report, column));
        }
    }
    println!("{photos} photos enlarged to the analysed size");
    for ((column, _, _), t) in FLOORS.iter().zip(&tallies) {
        println!(
            "{column:<16} {:>4} defects, detection {:.3}, missed {:?}",
            t.defects,
            t.detection(),
            t.missed
        );
        println!(
            "{:<16} {:>4} clean, false alarms {:.3} {:?}",
            "",
            t.clean,
            t.false_alarm(),
            t.alarms
        );
    }
    assert!(photos >= 150, "{photos} photos");
    for ((column, floor, ceiling), t) in FLOORS.iter().zip(&tallies) {
        assert!(
            t.detection() >= *floor && t.false_alarm() <= *ceiling,
            "{column}: detection {:.3} (floor {floor}), false alarms {:.3} (ceiling {ceiling})",
            t.detection(),
            t.false_alarm()
        );
    }
}
