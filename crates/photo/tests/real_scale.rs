//! The other-face rule on the labelled set enlarged to the size a phone
//! capture is analysed at (640 pixels on the short side); `real.rs` checks
//! LFW's 250-pixel photos as they are. The second detector's scores for a
//! blurred face move with the picture's scale (`docs/benchmarks.md`, "A
//! second detector that must agree"), so the rule is held to its figures at
//! both sizes.

mod common;

use photo::{Code, Input, Outcome, Stage};

/// Measured on the enlarged set: 28 of 32 other faces found (27 before the
/// second detector), no false alarm among the 115 LFW photos without one. A
/// floor with one photo of slack, as in `real.rs`, which is the ratchet
/// that fails without the second detector; this one guards its false alarms
/// at the size where its scores on faces that are not there run highest.
const MIN_DETECTION: f64 = 0.84;
const MAX_FALSE_ALARM: f64 = 0.01;

/// LFW's 250 pixels to the analysed 640.
const ENLARGE: (u32, u32) = (64, 25);

#[test]
fn other_faces_are_found_as_well_at_a_capture_s_analysed_size() {
    let (engine, spec) = (common::engine(), common::spec());
    let (mut defects, mut clean) = (0u32, 0u32);
    let (mut missed, mut alarms) = (Vec::new(), Vec::new());
    for photo in common::labels::read() {
        let Some(Some(defect)) = photo.labels.get("face_multiple").copied() else {
            continue;
        };
        let img = common::pixels(
            &std::fs::read(common::real_dir().join("images").join(&photo.file)).expect("photo"),
        );
        if img.width.min(img.height) >= 400 {
            continue; // Already at least a capture's analysed size.
        }
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
        let flagged = engine
            .check_input(&input, &spec)
            .findings
            .iter()
            .any(|f| f.code == Code::FaceMultiple && f.outcome == Outcome::Fail);
        match (defect, flagged) {
            (true, false) => missed.push(photo.file),
            (false, true) => alarms.push(photo.file),
            _ => {}
        }
        if defect {
            defects += 1;
        } else {
            clean += 1;
        }
    }
    let detection = f64::from(defects - missed.len() as u32) / f64::from(defects.max(1));
    let false_alarm = alarms.len() as f64 / f64::from(clean.max(1));
    println!("enlarged: {defects} other faces, detection {detection:.3}, missed {missed:?}");
    println!("enlarged: {clean} without, false alarms {false_alarm:.3} {alarms:?}");
    assert!(
        defects >= 25 && clean >= 100,
        "{defects} and {clean} photos"
    );
    assert!(detection >= MIN_DETECTION, "detection {detection:.3}");
    assert!(
        false_alarm <= MAX_FALSE_ALARM,
        "false alarms {false_alarm:.3}"
    );
}
