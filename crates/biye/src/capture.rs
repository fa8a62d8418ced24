//! The work behind one phone capture: fix the shot into the delivered
//! 480×640 file (crop and scale only), check the result against the standard,
//! and say in Chinese what is wrong when it cannot be used. CPU work for the
//! blocking pool; the photo engine is loaded once per process.

use std::sync::OnceLock;

use photo::{Engine, Finding, Outcome as Rule, PhotoSpec, Report, Step};
use serde::{Deserialize, Serialize};

/// The models, loaded on first use (a few hundred milliseconds) and shared.
pub fn engine() -> Result<&'static Engine, photo::ModelError> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    if let Some(e) = ENGINE.get() {
        return Ok(e);
    }
    let e = Engine::load()?;
    Ok(ENGINE.get_or_init(|| e))
}

/// What a capture came to; stored as the photo row's report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// The report of the fixed file when there is one, else of the capture.
    pub report: Report,
    /// How the fixed file was made (shown to the candidate and the reviewer).
    pub steps: Vec<Step>,
    /// Why the photo cannot be used (empty when it can).
    pub reasons: Vec<Finding>,
}

impl Outcome {
    pub fn acceptable(&self) -> bool {
        self.reasons.is_empty() && self.report.compliant
    }

    /// What the candidate should read: failures first, then the machine's
    /// warnings. Checks addressed to the reviewer (jewellery, headwear…) are
    /// the city office's to judge, not the candidate's to act on.
    pub fn shown(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.reasons.iter().collect();
        for f in &self.report.findings {
            let for_candidate = f.decider == photo::Decider::Machine;
            if f.outcome != Rule::Pass && for_candidate && !v.iter().any(|r| r.code == f.code) {
                v.push(f);
            }
        }
        v.sort_by_key(|f| std::cmp::Reverse(f.outcome));
        v
    }
}

/// The notice's rule for what the phone sends ("请上传50KB以上, 像素不低于
/// 600*800的照片"), checked before any pixel is decoded: the fixer could scale
/// a small shot up, but the result would not be a photo of that quality.
fn too_small(bytes: &[u8], spec: &PhotoSpec) -> Vec<Finding> {
    let rules = &spec.capture;
    let mut out = Vec::new();
    if (bytes.len() as u64) <= rules.min_bytes {
        out.push(
            Finding::new(photo::Code::CaptureSize, "照片文件大小")
                .text(format!("{} KB", bytes.len() / 1024))
                .limit(format!("{} KB 以上", rules.min_bytes / 1024))
                .fail("照片文件过小：请用手机后置摄像头以原始清晰度拍摄（50KB 以上）"),
        );
    }
    if let Some((_, w, h, _)) = photo::decode::dimensions(bytes) {
        let (short, long) = (w.min(h), w.max(h));
        if short < rules.min_width || long < rules.min_height {
            out.push(
                Finding::new(photo::Code::CaptureDimensions, "照片像素")
                    .text(format!("{w}×{h}"))
                    .limit(format!("不低于 {}×{}", rules.min_width, rules.min_height))
                    .fail("照片像素过低：请用手机后置摄像头拍摄，像素不低于 600×800"),
            );
        }
    }
    out
}

/// Fixes and checks a capture; the fixed JPEG when it can be used or shown.
pub fn process(engine: &Engine, bytes: &[u8], spec: &PhotoSpec) -> (Outcome, Option<Vec<u8>>) {
    let small = too_small(bytes, spec);
    if !small.is_empty() {
        let report = Report::new(
            &spec.name,
            Default::default(),
            small.clone(),
            Default::default(),
        );
        let outcome = Outcome {
            report,
            steps: Vec::new(),
            reasons: small,
        };
        return (outcome, None);
    }
    match engine.fix(bytes, spec) {
        Ok(fixed) => {
            let report = engine.check(&fixed.jpeg, spec);
            let reasons = report.failures().cloned().collect();
            let outcome = Outcome {
                report,
                steps: fixed.steps,
                reasons,
            };
            (outcome, Some(fixed.jpeg))
        }
        Err(unfixable) => (
            Outcome {
                report: *unfixable.report,
                steps: Vec::new(),
                reasons: unfixable.reasons,
            },
            None,
        ),
    }
}
