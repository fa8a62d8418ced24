//! The engine against real portraits labelled by hand (`tests/real/`): for the
//! rules whose reason a candidate most needs to be right, how many labelled
//! defects each rule's own code flags, and how often it flags a photo without
//! the defect. Derived cases know their truth by construction; these photos are
//! the check that the measures hold on faces no one composed.
//!
//! The set, its sources and how it was labelled: `tests/real/README.md`.
//! Run `cargo test -p photo --test real -- --nocapture` for the table.

mod common;

use photo::{Code, Input, Outcome, Stage};

/// A rule as labelled (its codes: `common::labels::COLUMNS`).
struct Rule {
    column: &'static str,
    /// What this set must keep, per rule: a ratchet at the figures measured
    /// when the set was labelled (one photo of slack for floating-point drift
    /// between machines). The goal is higher (see `TARGET_*`); raise these as
    /// the measures improve, never lower them to let a change of the engine
    /// through. Only a change of the labels (an audit, `tests/real/README.md`)
    /// sets them again, at its new figures.
    min_detection: f64,
    max_false_alarm: f64,
}

const RULES: &[Rule] = &[
    Rule {
        column: "glasses_tinted",
        min_detection: 0.85,
        max_false_alarm: 0.01,
    },
    Rule {
        column: "mouth_closed",
        min_detection: 0.92,
        max_false_alarm: 0.06,
    },
    Rule {
        column: "face_multiple",
        min_detection: 0.87,
        // None since the cascade's output threshold rose to 0.55: a bokeh of
        // leaves (`hu-stock-teen-7`) read as another face before.
        max_false_alarm: 0.0,
    },
    Rule {
        column: "pose_roll",
        min_detection: 0.82,
        max_false_alarm: 1.0,
    },
    Rule {
        column: "pose_yaw",
        min_detection: 0.94,
        max_false_alarm: 1.0,
    },
    Rule {
        column: "background",
        min_detection: 0.985,
        max_false_alarm: 0.5,
    },
];

/// The goal over all rules together: labelled defects flagged by their own
/// code, and absent defects reported. Printed beside the figures; the per-rule
/// ratchets above are what fails the test until the goal is reached.
const TARGET_DETECTION: f64 = 0.98;
const TARGET_FALSE_ALARM: f64 = 0.01;

/// Whether the engine rejects the photo for anything but the file itself.
/// The set's photos are small web images, which fail the capture's size and
/// resolution rules whatever they show; a photo with a labelled defect that
/// fails nothing else is a raw false accept. Most of the set's photos also
/// have a busy backdrop, so this guards little beyond the background rules;
/// the derived cases (`tests/derived.rs`) hold each rule alone.
fn fails_beyond_the_file(report: &photo::Report) -> bool {
    report.findings.iter().any(|f| {
        let code = f.code.as_str();
        f.outcome == Outcome::Fail && !code.starts_with("file.") && !code.starts_with("capture.")
    })
}

#[test]
fn per_rule_detection_and_false_alarms_on_real_portraits() {
    let engine = common::engine();
    let spec = common::spec();
    let set = common::labels::read();
    assert!(set.len() >= 150, "the set has {} photos", set.len());

    let mut tallies = vec![common::labels::Tally::default(); RULES.len()];
    let mut disagreements = Vec::new();
    let (mut no_face, mut red_eyes) = (Vec::new(), Vec::new());
    let (mut accepted, mut defective_photos) = (Vec::new(), 0);
    for photo in &set {
        let bytes = std::fs::read(common::real_dir().join("images").join(&photo.file))
            .unwrap_or_else(|e| panic!("{}: {e}", photo.file));
        let report = engine.check_input(
            &Input {
                bytes: &bytes,
                name: Some(&photo.file),
                stage: Stage::Capture,
            },
            &spec,
        );
        if report
            .findings
            .iter()
            .any(|f| f.code == Code::FaceNone && f.outcome == Outcome::Fail)
        {
            no_face.push(photo.file.clone());
        }
        if report
            .findings
            .iter()
            .any(|f| f.code == Code::RedEye && f.outcome == Outcome::Fail)
        {
            red_eyes.push(photo.file.clone());
        }
        let defective = photo.labels.values().any(|v| *v == Some(true));
        defective_photos += u32::from(defective);
        if defective && !fails_beyond_the_file(&report) {
            accepted.push(photo.file.clone());
        }
        for (rule, tally) in RULES.iter().zip(tallies.iter_mut()) {
            let Some(Some(defect)) = photo.labels.get(rule.column) else {
                continue;
            };
            let flagged = common::labels::flags(&report, rule.column);
            tally.record(&photo.file, *defect, flagged);
            if *defect != flagged {
                let measured = report
                    .findings
                    .iter()
                    .filter(|f| common::labels::codes(rule.column).contains(&f.code))
                    .map(|f| f.measured.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                let kind = if *defect { "missed" } else { "false alarm" };
                disagreements.push(format!(
                    "{:<16} {kind:<11} {} ({measured})",
                    rule.column, photo.file
                ));
            }
        }
    }

    println!(
        "{} photos; no face found in {}: {no_face:?}",
        set.len(),
        no_face.len()
    );
    println!(
        "{:<16} {:>8} {:>10} {:>6} {:>12}",
        "rule", "defects", "detected", "clean", "false alarms"
    );
    let mut total = common::labels::Tally::default();
    for (rule, t) in RULES.iter().zip(&tallies) {
        println!(
            "{:<16} {:>8} {:>9.1}% {:>6} {:>11.1}%",
            rule.column,
            t.defects,
            100.0 * t.detection(),
            t.clean,
            100.0 * t.false_alarm()
        );
        total.add(t);
    }
    println!(
        "{:<16} {:>8} {:>9.1}% {:>6} {:>11.1}%",
        "all",
        total.defects,
        100.0 * total.detection(),
        total.clean,
        100.0 * total.false_alarm()
    );
    println!(
        "goal: detection ≥ {:.0}%, false alarms ≤ {:.0}%: {}",
        100.0 * TARGET_DETECTION,
        100.0 * TARGET_FALSE_ALARM,
        if total.detection() >= TARGET_DETECTION && total.false_alarm() <= TARGET_FALSE_ALARM {
            "met"
        } else {
            "not yet met"
        }
    );
    for d in &disagreements {
        println!("  {d}");
    }
    println!(
        "raw false accepts (a labelled defect, and nothing fails beyond the file's own size and \
         format): {} of {defective_photos}: {accepted:?}",
        accepted.len()
    );
    assert!(
        accepted.is_empty(),
        "raw false accepts (issue 11: still 0): {accepted:?}"
    );
    // No photo of the set shows a red pupil: the 19 that the eye outline's
    // red share failed before were viewed enlarged (reddened lids, red or
    // pink lenses and frames, squints, brown irises under warm light).
    assert!(
        red_eyes.is_empty(),
        "lighting.red_eye fails photos without a red pupil: {red_eyes:?}"
    );

    for (rule, t) in RULES.iter().zip(&tallies) {
        assert!(
            t.detection() >= rule.min_detection && t.false_alarm() <= rule.max_false_alarm,
            "{}: detection {:.3} (floor {}), false alarms {:.3} (ceiling {})",
            rule.column,
            t.detection(),
            rule.min_detection,
            t.false_alarm(),
            rule.max_false_alarm
        );
    }
}
