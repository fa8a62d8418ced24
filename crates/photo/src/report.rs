//! What a check says: one [`Finding`] per rule of the standard, each with a
//! stable code, what was measured, the limit, an outcome and Chinese advice.
//!
//! Findings are data, not errors: a photo that fails every rule still yields a
//! complete report. Codes are part of the interface (stored with reviews,
//! shown to reviewers, matched by tests); never rename one, add a new one.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// Every rule the checker knows, with its stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Code {
            $(#[serde(rename = $text)] $variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable code as text, e.g. `geometry.head_top`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    FileUnreadable => "file.unreadable",
    FileTruncated => "file.truncated",
    FileFormat => "file.format",
    FileExtension => "file.extension",
    FileDecodeLimit => "file.decode_limit",
    FileDimensions => "file.dimensions",
    FileResolution => "file.resolution",
    FileColourMode => "file.colour_mode",
    FileQuality => "file.quality",
    FileSize => "file.size",
    FileProgressive => "file.progressive",
    FileOrientationTag => "file.orientation_tag",
    CaptureDimensions => "capture.dimensions",
    CaptureSize => "capture.size",
    FaceNone => "face.none",
    FaceMultiple => "face.multiple",
    FacePartial => "face.partial",
    HeadTop => "geometry.head_top",
    EyeLine => "geometry.eye_line",
    FaceWidth => "geometry.face_width",
    Centred => "geometry.centred",
    Roll => "pose.roll",
    Yaw => "pose.yaw",
    Pitch => "pose.pitch",
    Shoulders => "pose.shoulders",
    Mirrored => "pose.mirrored",
    EyesOpen => "eyes.open",
    Gaze => "eyes.gaze",
    MouthClosed => "mouth.closed",
    BackgroundColour => "background.colour",
    BackgroundUniform => "background.uniform",
    BackgroundClutter => "background.clutter",
    Exposure => "lighting.exposure",
    LightingEven => "lighting.even",
    Highlights => "lighting.highlights",
    RedEye => "lighting.red_eye",
    GlassesGlare => "glasses.glare",
    GlassesTinted => "glasses.tinted",
    ImageColour => "image.colour",
    Sharpness => "image.sharpness",
    Border => "image.border",
    Distortion => "image.distortion",
    Headwear => "attire.headwear",
    Jewellery => "attire.jewellery",
    HairCoversFace => "hair.covers_face",
    EarsVisible => "ears.visible",
    IdentityMatch => "identity.match",
}

/// The result of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    /// Needs a person: the measure is unreliable or the rule is not machine
    /// decidable. Never a silent pass: the reviewer sees it.
    Warn,
    Fail,
}

/// Who decided the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    /// Measured and compared with the spec.
    Machine,
    /// The machine cannot decide reliably; a reviewer must look.
    Reviewer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub outcome: Outcome,
    pub decider: Decider,
    /// The rule in a few Chinese words, e.g. “头顶距上边沿”.
    pub rule: String,
    /// What was measured, with its unit, e.g. “38 像素”; empty when not measured.
    pub measured: String,
    /// The limit, e.g. “50–110 像素”.
    pub limit: String,
    /// For a pass: empty. Otherwise what to do, in Chinese.
    pub advice: String,
    /// The raw measured number, for machines (same unit as `measured`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<f32>,
}

impl Finding {
    pub fn new(code: Code, rule: &str) -> Self {
        Finding {
            code,
            outcome: Outcome::Pass,
            decider: Decider::Machine,
            rule: rule.into(),
            measured: String::new(),
            limit: String::new(),
            advice: String::new(),
            value: None,
        }
    }
    pub fn measured(mut self, value: f32, text: impl Into<String>) -> Self {
        self.value = Some(value);
        self.measured = text.into();
        self
    }
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.measured = text.into();
        self
    }
    pub fn limit(mut self, limit: impl Into<String>) -> Self {
        self.limit = limit.into();
        self
    }
    pub fn fail(mut self, advice: impl Into<String>) -> Self {
        self.outcome = Outcome::Fail;
        self.advice = advice.into();
        self
    }
    pub fn warn(mut self, advice: impl Into<String>) -> Self {
        self.outcome = Outcome::Warn;
        self.advice = advice.into();
        self
    }
    /// A rule a person must judge: a warning addressed to the reviewer.
    pub fn for_reviewer(mut self, advice: impl Into<String>) -> Self {
        self.outcome = Outcome::Warn;
        self.decider = Decider::Reviewer;
        self.advice = advice.into();
        self
    }
    /// Fail when `failed`, otherwise pass.
    pub fn fail_if(self, failed: bool, advice: impl FnOnce() -> String) -> Self {
        if failed {
            self.fail(advice())
        } else {
            self
        }
    }
}

/// Face measurements in final-frame pixels and degrees, for reviewers and for
/// the fixer's explanation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measurements {
    pub head_top: Option<f32>,
    pub eye_line: Option<f32>,
    pub face_width: Option<f32>,
    pub centre_offset: Option<f32>,
    pub roll: Option<f32>,
    pub yaw: Option<f32>,
    pub pitch: Option<f32>,
}

/// What the file is, as read from its bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileFacts {
    /// Detected by content: `jpeg`, `png`, `webp`, `gif`, `bmp`, `heif`, `tiff`, `unknown`.
    pub format: String,
    pub bytes: u64,
    /// Stored dimensions (before EXIF orientation).
    pub width: u32,
    pub height: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub quality: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dpi: Option<(u16, u16)>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub orientation: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Name of the spec checked against.
    pub spec: String,
    /// No rule failed (warnings go to the reviewer and do not block).
    pub compliant: bool,
    pub file: FileFacts,
    pub measurements: Measurements,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn new(spec: &str, file: FileFacts, findings: Vec<Finding>, m: Measurements) -> Self {
        let mut findings = findings;
        findings.sort_by_key(|f| f.code);
        Report {
            spec: spec.into(),
            compliant: findings.iter().all(|f| f.outcome != Outcome::Fail),
            file,
            measurements: m,
            findings,
        }
    }
    pub fn finding(&self, code: Code) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code == code)
    }
    pub fn outcome(&self, code: Code) -> Option<Outcome> {
        self.finding(code).map(|f| f.outcome)
    }
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.outcome == Outcome::Fail)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.outcome == Outcome::Warn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_stable_text() {
        let mut seen = std::collections::HashSet::new();
        for &code in Code::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json.as_str(), Some(code.as_str()));
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
        }
    }

    #[test]
    fn a_report_is_compliant_only_without_failures() {
        let ok = Finding::new(Code::FileSize, "文件大小");
        let warn = Finding::new(Code::Jewellery, "饰品").for_reviewer("请人工确认");
        let r = Report::new(
            "t",
            FileFacts::default(),
            vec![ok.clone(), warn],
            Default::default(),
        );
        assert!(r.compliant);
        let bad = ok.fail("太大");
        let r = Report::new("t", FileFacts::default(), vec![bad], Default::default());
        assert!(!r.compliant);
        assert_eq!(r.failures().count(), 1);
    }
}
