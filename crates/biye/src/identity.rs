//! The identity check run when a candidate applies (第二步: 系统将考生相关信息
//! 与公安人口库信息进行关联), behind a trait: the local check below, or the
//! authority's service over HTTP ([`HttpVerifier`], protocol in
//! `docs/integrations.md`).
//!
//! The local check proves what can be proved without the population
//! register: a resident ID number whose GB 11643 check character is right
//! and whose birth date and gender agree with the record. Other documents
//! (港澳、台湾通行证, passports) cannot be checked here, so they fail and go to
//! the two-level manual review of ID attachments, as the notice prescribes.

use std::future::Future;
use std::pin::Pin;

use crate::domain::candidate::CandidateProfile;
use crate::domain::{IdType, ResidentIdNo};

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub passed: bool,
    /// Which service answered (stored with the check).
    pub source: &'static str,
    /// Why it failed, in Chinese (empty when passed).
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("身份核验服务暂时无法访问：{0}")]
    Unavailable(String),
}

pub type CheckFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Verdict, IdentityError>> + Send + 'a>>;

pub trait IdentityVerifier: Send + Sync + std::fmt::Debug {
    fn verify<'a>(&'a self, candidate: &'a CandidateProfile) -> CheckFuture<'a>;
}

/// The check that needs no outside service.
#[derive(Debug, Default)]
pub struct LocalVerifier;

impl LocalVerifier {
    pub fn check(c: &CandidateProfile) -> Verdict {
        let fail = |detail: &str| Verdict {
            passed: false,
            source: "local",
            detail: detail.to_owned(),
        };
        if c.id_type != IdType::ResidentId {
            return fail("非居民身份证无法自动核验，请上传证件照片由考办人工审核");
        }
        let Ok(id) = ResidentIdNo::parse(&c.id_no) else {
            return fail("身份证号码校验位不正确");
        };
        if id.birth_date() != Some(c.birth_date) {
            return fail("身份证号码中的出生日期与考籍不一致");
        }
        if id.gender() != c.gender {
            return fail("身份证号码中的性别与考籍不一致");
        }
        Verdict {
            passed: true,
            source: "local",
            detail: String::new(),
        }
    }
}

impl IdentityVerifier for LocalVerifier {
    fn verify<'a>(&'a self, candidate: &'a CandidateProfile) -> CheckFuture<'a> {
        let v = Self::check(candidate);
        Box::pin(async move { Ok(v) })
    }
}

#[derive(serde::Serialize)]
struct Query<'a> {
    id_type: &'static str,
    id_no: &'a str,
    name: &'a str,
    gender: &'static str,
    birth_date: String,
}

#[derive(serde::Deserialize)]
struct Answer {
    #[serde(rename = "match")]
    matched: bool,
    #[serde(default)]
    reason: String,
}

/// The authority's service: one POST per check, a timeout per attempt, and
/// two retries when it does not answer or answers 5xx
/// ([`crate::outbound::Service`]).
#[derive(Debug, Clone)]
pub struct HttpVerifier {
    service: crate::outbound::Service,
}

impl HttpVerifier {
    pub fn new(
        url: url::Url,
        token: Option<String>,
        timeout: std::time::Duration,
    ) -> Result<Self, IdentityError> {
        let service = crate::outbound::Service::new(url, token, timeout)
            .map_err(|e| IdentityError::Unavailable(e.to_string()))?;
        Ok(Self { service })
    }

    pub async fn check(&self, c: &CandidateProfile) -> Result<Verdict, IdentityError> {
        let q = Query {
            id_type: c.id_type.as_str(),
            id_no: &c.id_no,
            name: &c.name,
            gender: c.gender.as_str(),
            birth_date: c.birth_date.to_string(),
        };
        let a: Answer = self
            .service
            .call(&q)
            .await
            .map_err(IdentityError::Unavailable)?;
        Ok(Verdict {
            passed: a.matched,
            source: "authority",
            detail: if a.matched {
                String::new()
            } else if a.reason.is_empty() {
                "与公安人口库信息不一致".into()
            } else {
                a.reason
            },
        })
    }
}

impl IdentityVerifier for HttpVerifier {
    fn verify<'a>(&'a self, candidate: &'a CandidateProfile) -> CheckFuture<'a> {
        Box::pin(self.check(candidate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AdmissionNo, Gender};

    fn person(
        id_type: IdType,
        id_no: &str,
        birth: jiff::civil::Date,
        gender: Gender,
    ) -> CandidateProfile {
        CandidateProfile {
            admission_no: AdmissionNo::parse("020118100001").unwrap(),
            name: "陈𠇔".into(),
            gender,
            id_type,
            id_no: id_no.into(),
            birth_date: birth,
            ethnicity: "01".into(),
            political_status: "13".into(),
            native_place: String::new(),
            education_level: String::new(),
            occupation: String::new(),
            employer: String::new(),
            phone: String::new(),
            address: String::new(),
            office_code: None,
            major_code: None,
            examining_school_code: None,
            course_group: String::new(),
        }
    }

    #[test]
    fn resident_ids_are_checked_against_the_record_and_other_documents_go_to_people() {
        let body = "44020319800101001";
        let id = format!(
            "{body}{}",
            crate::domain::ids::id_check_char(body.as_bytes())
        );
        let birth = jiff::civil::date(1980, 1, 1);
        assert!(LocalVerifier::check(&person(IdType::ResidentId, &id, birth, Gender::Male)).passed);
        let wrong_day = person(
            IdType::ResidentId,
            &id,
            jiff::civil::date(1980, 1, 2),
            Gender::Male,
        );
        assert_eq!(
            LocalVerifier::check(&wrong_day).detail,
            "身份证号码中的出生日期与考籍不一致"
        );
        let wrong_gender = person(IdType::ResidentId, &id, birth, Gender::Female);
        assert!(!LocalVerifier::check(&wrong_gender).passed);
        let bad_check = person(IdType::ResidentId, &format!("{body}0"), birth, Gender::Male);
        assert!(!LocalVerifier::check(&bad_check).passed || id.ends_with('0'));
        let permit = person(IdType::HkMacauPermit, "H12345678", birth, Gender::Male);
        assert!(!LocalVerifier::check(&permit).passed);
    }
}
