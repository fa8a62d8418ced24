//! The photo on file (P11 of the photo standard's process: the capture is
//! compared with an authoritative photo), behind a trait: the local
//! comparison below, with the registration photo the exam system handed over
//! (`biye import-photos`), or the authority's service over HTTP
//! ([`HttpComparator`], protocol in `docs/integrations.md`), which compares
//! with the population register's photo.
//!
//! The result is a finding in the photo's report (`identity.match`), for the
//! city reviewer, who sees both photos side by side. A low similarity does
//! not stop the candidate: on LFW pairs one same-person pair in twenty falls
//! below the threshold (docs/benchmarks.md), and a person, not the machine,
//! decides that a capture shows someone else.

use std::future::Future;
use std::pin::Pin;

use base64::Engine as _;
use photo::{Code, Finding, PhotoSpec};

use crate::domain::candidate::CandidateProfile;

/// What a comparison found.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// Cosine similarity (local) or the authority's score, and its threshold.
    pub similarity: f32,
    pub threshold: f32,
    /// Which service compared (shown to the reviewer).
    pub source: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum FaceMatchError {
    #[error("人像比对服务暂时无法访问：{0}")]
    Unavailable(String),
    #[error("照片无法比对：{0}")]
    Unreadable(String),
}

/// One comparison's inputs.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub candidate: &'a CandidateProfile,
    /// The fixed 480×640 capture.
    pub capture: &'a [u8],
    /// The photo on file held here, if any (the authority holds its own).
    pub on_file: Option<OnFilePhoto<'a>>,
}

/// The photo on file as the local comparison gets it: its embedding when
/// the import kept one made by this process's network, else the image.
#[derive(Debug, Clone, Copy)]
pub enum OnFilePhoto<'a> {
    Embedding(&'a photo::Embedding),
    Image(&'a [u8]),
}

/// `Ok(None)`: there was nothing to compare with.
pub type CompareFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Compared>, FaceMatchError>> + Send + 'a>>;

pub trait FaceComparator: Send + Sync + std::fmt::Debug {
    fn compare<'a>(&'a self, subject: Subject<'a>) -> CompareFuture<'a>;

    /// Whether [`Subject::on_file`] is used. The authority's service compares
    /// with its own register, so for it the capture path does not read the
    /// photo on file held here (one object read per accepted capture).
    fn uses_photo_on_file(&self) -> bool {
        true
    }
}

/// Compares with the photo on file held here, with the bundled face
/// embedding (`photo::Engine::embed`), on a blocking thread.
#[derive(Debug, Clone)]
pub struct LocalComparator {
    pub spec: PhotoSpec,
}

impl FaceComparator for LocalComparator {
    fn compare<'a>(&'a self, subject: Subject<'a>) -> CompareFuture<'a> {
        Box::pin(async move {
            let Some(on_file) = subject.on_file else {
                return Ok(None);
            };
            let capture = subject.capture.to_vec();
            // Owned, for the blocking thread.
            let (kept, image) = match on_file {
                OnFilePhoto::Embedding(e) => (Some(e.clone()), Vec::new()),
                OnFilePhoto::Image(bytes) => (None, bytes.to_vec()),
            };
            let spec = self.spec.clone();
            let similarity = tokio::task::spawn_blocking(move || {
                let engine = crate::capture::engine()
                    .map_err(|e| FaceMatchError::Unavailable(e.to_string()))?;
                let embed = |bytes: &[u8], which: &str| {
                    engine
                        .embed(bytes, &spec)
                        .map_err(|e| FaceMatchError::Unreadable(format!("{which}{e}")))
                };
                let a = embed(&capture, "采集照片：")?;
                let b = match kept {
                    Some(kept) => kept,
                    None => embed(&image, "档案照片：")?,
                };
                Ok::<_, FaceMatchError>(a.similarity(&b))
            })
            .await
            .map_err(|e| FaceMatchError::Unavailable(e.to_string()))??;
            Ok(Some(Compared {
                similarity,
                threshold: photo::MATCH_THRESHOLD,
                source: "local",
            }))
        })
    }
}

#[derive(serde::Serialize)]
struct Query<'a> {
    id_type: &'static str,
    id_no: &'a str,
    name: &'a str,
    /// The fixed capture, base64 JPEG.
    photo: String,
}

#[derive(serde::Deserialize)]
struct Answer {
    /// false: the register holds no photo of this person.
    found: bool,
    /// Both required when `found`: a default would let an answer without
    /// a score pass as a match.
    similarity: Option<f32>,
    threshold: Option<f32>,
}

/// The authority's comparison service: one POST per capture, retried as the
/// identity check is ([`crate::outbound::Service`]).
#[derive(Debug, Clone)]
pub struct HttpComparator {
    service: crate::outbound::Service,
}

impl HttpComparator {
    pub fn new(
        url: url::Url,
        token: Option<String>,
        timeout: std::time::Duration,
    ) -> Result<Self, FaceMatchError> {
        let service = crate::outbound::Service::new(url, token, timeout)
            .map_err(|e| FaceMatchError::Unavailable(e.to_string()))?;
        Ok(Self { service })
    }
}

impl FaceComparator for HttpComparator {
    fn uses_photo_on_file(&self) -> bool {
        false
    }

    fn compare<'a>(&'a self, subject: Subject<'a>) -> CompareFuture<'a> {
        Box::pin(async move {
            let q = Query {
                id_type: subject.candidate.id_type.as_str(),
                id_no: &subject.candidate.id_no,
                name: &subject.candidate.name,
                photo: base64::engine::general_purpose::STANDARD.encode(subject.capture),
            };
            let a: Answer = self
                .service
                .call(&q)
                .await
                .map_err(FaceMatchError::Unavailable)?;
            if !a.found {
                return Ok(None);
            }
            match (a.similarity, a.threshold) {
                (Some(similarity), Some(threshold))
                    if similarity.is_finite() && threshold.is_finite() =>
                {
                    Ok(Some(Compared {
                        similarity,
                        threshold,
                        source: "authority",
                    }))
                }
                _ => Err(FaceMatchError::Unavailable("应答中缺少相似度或阈值".into())),
            }
        })
    }
}

/// The report's `identity.match` finding for a comparison's result: a pass
/// at or above the threshold, otherwise a note for the reviewer.
pub fn finding(result: &Result<Option<Compared>, FaceMatchError>) -> Finding {
    let f = Finding::new(Code::IdentityMatch, "与档案照片比对");
    match result {
        Ok(Some(c)) => {
            let by = if c.source == "authority" {
                "公安人口库比对"
            } else {
                "本地比对"
            };
            // Both to three places, the similarity rounded down: rounded to
            // the nearest, 0.9249 would print as the 0.925 it fails to reach.
            let shown = (f64::from(c.similarity) * 1000.0).floor() / 1000.0;
            let f = f
                .measured(c.similarity, format!("相似度 {shown:.3}（{by}）"))
                .limit(format!("不低于 {:.3}", c.threshold));
            if c.similarity >= c.threshold {
                f
            } else {
                f.for_reviewer("与档案照片的相似度低于阈值：请对照两张照片，确认是否为考生本人")
            }
        }
        Ok(None) => f
            .text("无档案照片")
            .for_reviewer("没有可比对的档案照片：请对照身份证件信息人工确认是否为考生本人"),
        Err(e) => f
            .text("未比对")
            .for_reviewer(format!("{e}。请人工确认是否为考生本人")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use photo::{Decider, Outcome};

    fn compared(similarity: f32) -> Result<Option<Compared>, FaceMatchError> {
        Ok(Some(Compared {
            similarity,
            threshold: 0.925,
            source: "local",
        }))
    }

    #[test]
    fn at_or_above_the_threshold_passes_with_the_figures_shown() {
        let f = finding(&compared(0.925));
        assert_eq!(f.outcome, Outcome::Pass);
        assert_eq!(f.measured, "相似度 0.925（本地比对）");
        assert_eq!(f.limit, "不低于 0.925");
        assert_eq!(f.value, Some(0.925));
        // Just under the threshold: the figure shown is under it too.
        let f = finding(&compared(0.9249));
        assert_ne!(f.outcome, Outcome::Pass);
        assert_eq!(f.measured, "相似度 0.924（本地比对）");
    }

    #[test]
    fn below_the_threshold_or_without_a_comparison_the_reviewer_decides() {
        for result in [
            compared(0.5),
            Ok(None),
            Err(FaceMatchError::Unavailable("HTTP 503".into())),
        ] {
            let f = finding(&result);
            assert_eq!(f.outcome, Outcome::Warn, "{f:?}");
            assert_eq!(f.decider, Decider::Reviewer, "{f:?}");
            assert!(f.advice.contains("本人"), "{f:?}");
        }
    }
}
