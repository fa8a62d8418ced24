//! The certificate-photo standard as code: bytes and a [`PhotoSpec`] in, a
//! [`Report`] or a fixed JPEG out. No async runtime, no database: callers run
//! it on a blocking thread and share one [`Engine`] (the face models load
//! once).
//!
//! ```no_run
//! let engine = photo::Engine::load()?;
//! let spec = photo::PhotoSpec::certificate();
//! let bytes = std::fs::read("capture.jpg")?;
//! let report = engine.check(&bytes, &spec);
//! for f in report.failures() {
//!     println!("{} {}：{}", f.code.as_str(), f.rule, f.advice);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod bench;
pub mod cast;
mod check;
pub mod colour;
pub mod container;
pub mod decode;
pub mod encode;
pub mod face;
mod fix;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod measure;
pub mod raster;
pub mod replace;
pub mod report;
pub mod spec;
mod step;

pub use check::Input;
pub use face::ModelError;
pub use fix::{Fixed, Step, Unfixable};
pub use identity::{embedding_model, EmbedError, Embedding, MATCH_THRESHOLD};
pub use report::{Code, Decider, FileFacts, Finding, Measurements, Outcome, Report};
pub use spec::PhotoSpec;

/// Which rules apply to the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The file to deliver: 480×640 JPEG, 300 dpi, 20–40 KB, framed as the
    /// standard says.
    Delivery,
    /// A phone capture before fixing: at least 600×800 and over 50 KB; its
    /// framing is the fixer's job.
    Capture,
}

/// The loaded face models; cheap to clone and safe to share across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    models: face::Models,
    embedder: identity::Embedder,
}

impl Engine {
    pub fn load() -> Result<Engine, ModelError> {
        Ok(Engine {
            models: face::Models::load()?,
            embedder: identity::Embedder::default(),
        })
    }

    /// Checks bytes as the file to deliver.
    pub fn check(&self, bytes: &[u8], spec: &PhotoSpec) -> Report {
        self.check_input(
            &Input {
                bytes,
                name: None,
                stage: Stage::Delivery,
            },
            spec,
        )
    }

    pub fn check_input(&self, input: &Input, spec: &PhotoSpec) -> Report {
        check::run(&self.models, input, spec).0
    }

    /// Crops, scales and re-encodes a capture into the delivered file, or says
    /// why it cannot. Check the result with [`Engine::check`] before use.
    pub fn fix(&self, bytes: &[u8], spec: &PhotoSpec) -> Result<Fixed, Unfixable> {
        fix::run(&self.models, bytes, spec)
    }

    /// The embedding of the largest face in a photo, for comparing it with the
    /// photo on file ([`Embedding::similarity`]). The network loads on the
    /// first call.
    pub fn embed(&self, bytes: &[u8], spec: &PhotoSpec) -> Result<Embedding, EmbedError> {
        identity::embed(&self.models, &self.embedder, bytes, spec.capture.max_pixels)
    }
}
