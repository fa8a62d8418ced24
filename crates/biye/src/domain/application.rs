//! 毕业申请: the life of one candidate's application in one batch, as a state
//! machine. Every change of state goes through [`ApplicationState::next`], so the
//! web handlers and jobs cannot invent a path the notice does not allow.
//!
//! The notice's order: apply (预测 passed, office and phone chosen) → identity
//! check against the police database, or ID attachments reviewed by the city and
//! then the province → photo captured and reviewed by the city → apply again,
//! which submits the application and unlocks the form → on-site review of the
//! paper materials → provincial final review → electronic registration.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// Office and phone chosen, identity not yet checked.
    Started,
    /// The automatic identity check failed: ID attachments are needed.
    IdentityAttachmentsNeeded,
    IdentityCityReview,
    IdentityProvincialReview,
    IdentityRejected,
    /// Identity settled: the photo may be captured.
    PhotoNeeded,
    PhotoCityReview,
    PhotoRejected,
    /// Photo accepted: the candidate confirms the application once more.
    PhotoApproved,
    /// 毕业申请提交成功: the form can be printed and materials handed in.
    Submitted,
    OnsiteRejected,
    OnsiteApproved,
    FinalRejected,
    FinalApproved,
    /// Exported for 学历证书电子注册.
    Registered,
    Withdrawn,
}

/// Something that happened to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationEvent {
    IdentityCheckPassed,
    IdentityCheckFailed,
    AttachmentsSubmitted,
    IdentityCityApproved,
    IdentityProvincialApproved,
    IdentityRejected,
    PhotoSubmitted,
    PhotoApproved,
    PhotoRejected,
    Confirmed,
    OnsiteApproved,
    OnsiteRejected,
    FinalApproved,
    FinalRejected,
    Exported,
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("当前状态“{}”下不能执行“{}”", .from.label(), .event.label())]
pub struct TransitionError {
    pub from: ApplicationState,
    pub event: ApplicationEvent,
}

impl ApplicationState {
    pub const ALL: [Self; 16] = [
        Self::Started,
        Self::IdentityAttachmentsNeeded,
        Self::IdentityCityReview,
        Self::IdentityProvincialReview,
        Self::IdentityRejected,
        Self::PhotoNeeded,
        Self::PhotoCityReview,
        Self::PhotoRejected,
        Self::PhotoApproved,
        Self::Submitted,
        Self::OnsiteRejected,
        Self::OnsiteApproved,
        Self::FinalRejected,
        Self::FinalApproved,
        Self::Registered,
        Self::Withdrawn,
    ];

    pub fn next(self, event: ApplicationEvent) -> Result<Self, TransitionError> {
        use ApplicationEvent as E;
        use ApplicationState as S;
        let to = match (self, event) {
            (S::Started, E::IdentityCheckPassed) => S::PhotoNeeded,
            (S::Started, E::IdentityCheckFailed) => S::IdentityAttachmentsNeeded,
            (S::IdentityAttachmentsNeeded | S::IdentityRejected, E::AttachmentsSubmitted) => {
                S::IdentityCityReview
            }
            (S::IdentityCityReview, E::IdentityCityApproved) => S::IdentityProvincialReview,
            (S::IdentityProvincialReview, E::IdentityProvincialApproved) => S::PhotoNeeded,
            (S::IdentityCityReview | S::IdentityProvincialReview, E::IdentityRejected) => {
                S::IdentityRejected
            }
            (S::PhotoNeeded | S::PhotoRejected, E::PhotoSubmitted) => S::PhotoCityReview,
            (S::PhotoCityReview, E::PhotoApproved) => S::PhotoApproved,
            (S::PhotoCityReview, E::PhotoRejected) => S::PhotoRejected,
            (S::PhotoApproved, E::Confirmed) => S::Submitted,
            (S::Submitted, E::OnsiteApproved) => S::OnsiteApproved,
            (S::Submitted, E::OnsiteRejected) => S::OnsiteRejected,
            // Missing materials can be brought later in the session window.
            (S::OnsiteRejected, E::OnsiteApproved) => S::OnsiteApproved,
            (S::OnsiteApproved, E::FinalApproved) => S::FinalApproved,
            (S::OnsiteApproved, E::FinalRejected) => S::FinalRejected,
            (S::FinalApproved, E::Exported) => S::Registered,
            (s, E::Withdrawn) if s.can_withdraw() => S::Withdrawn,
            (from, event) => return Err(TransitionError { from, event }),
        };
        Ok(to)
    }

    /// Until the paper materials are reviewed, the candidate may withdraw.
    fn can_withdraw(self) -> bool {
        !matches!(
            self,
            Self::OnsiteApproved
                | Self::FinalApproved
                | Self::FinalRejected
                | Self::Registered
                | Self::Withdrawn
        )
    }

    /// The registration form exists only for a submitted application.
    pub fn form_printable(self) -> bool {
        matches!(
            self,
            Self::Submitted
                | Self::OnsiteRejected
                | Self::OnsiteApproved
                | Self::FinalApproved
                | Self::Registered
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::IdentityAttachmentsNeeded => "identity_attachments_needed",
            Self::IdentityCityReview => "identity_city_review",
            Self::IdentityProvincialReview => "identity_provincial_review",
            Self::IdentityRejected => "identity_rejected",
            Self::PhotoNeeded => "photo_needed",
            Self::PhotoCityReview => "photo_city_review",
            Self::PhotoRejected => "photo_rejected",
            Self::PhotoApproved => "photo_approved",
            Self::Submitted => "submitted",
            Self::OnsiteRejected => "onsite_rejected",
            Self::OnsiteApproved => "onsite_approved",
            Self::FinalRejected => "final_rejected",
            Self::FinalApproved => "final_approved",
            Self::Registered => "registered",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Started => "已开始申请，待身份校验",
            Self::IdentityAttachmentsNeeded => "身份校验未通过，请上传身份证附件",
            Self::IdentityCityReview => "身份证附件待市考办审核",
            Self::IdentityProvincialReview => "身份证附件待省考办审核",
            Self::IdentityRejected => "身份证附件审核不通过",
            Self::PhotoNeeded => "待采集毕业证照",
            Self::PhotoCityReview => "毕业证照待市考办审核",
            Self::PhotoRejected => "毕业证照审核不通过，请重新采集",
            Self::PhotoApproved => "毕业证照审核通过，请再次点击“申请”",
            Self::Submitted => "毕业申请提交成功，请打印登记表并提交材料",
            Self::OnsiteRejected => "现场材料审核不通过",
            Self::OnsiteApproved => "现场材料审核通过，待省考办复核",
            Self::FinalRejected => "省考办复核不通过",
            Self::FinalApproved => "省考办复核通过",
            Self::Registered => "已报送学历证书电子注册",
            Self::Withdrawn => "已撤回",
        }
    }
}

impl ApplicationEvent {
    /// The label of an event as `application_events.event` stores it
    /// (`applied`, or the event in snake case).
    pub fn label_of(stored: &str) -> String {
        if stored == "applied" {
            return "提交毕业申请".into();
        }
        serde_json::from_value::<ApplicationEvent>(serde_json::Value::String(stored.into()))
            .map(|e| e.label().to_owned())
            .unwrap_or_else(|_| stored.to_owned())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::IdentityCheckPassed => "身份校验通过",
            Self::IdentityCheckFailed => "身份校验未通过",
            Self::AttachmentsSubmitted => "提交身份证附件",
            Self::IdentityCityApproved => "市考办审核身份证附件通过",
            Self::IdentityProvincialApproved => "省考办审核身份证附件通过",
            Self::IdentityRejected => "身份证附件审核不通过",
            Self::PhotoSubmitted => "提交毕业证照",
            Self::PhotoApproved => "毕业证照审核通过",
            Self::PhotoRejected => "毕业证照审核不通过",
            Self::Confirmed => "确认提交毕业申请",
            Self::OnsiteApproved => "现场审核通过",
            Self::OnsiteRejected => "现场审核不通过",
            Self::FinalApproved => "复核通过",
            Self::FinalRejected => "复核不通过",
            Self::Exported => "报送电子注册",
            Self::Withdrawn => "撤回申请",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationEvent as E;
    use super::ApplicationState as S;
    use super::*;

    fn run(events: &[E]) -> Result<S, TransitionError> {
        events.iter().try_fold(S::Started, |s, e| s.next(*e))
    }

    #[test]
    fn the_happy_path_of_the_notice() {
        let s = run(&[
            E::IdentityCheckPassed,
            E::PhotoSubmitted,
            E::PhotoApproved,
            E::Confirmed,
            E::OnsiteApproved,
            E::FinalApproved,
            E::Exported,
        ]);
        assert_eq!(s, Ok(S::Registered));
    }

    #[test]
    fn failed_identity_goes_through_two_levels() {
        let s = run(&[
            E::IdentityCheckFailed,
            E::AttachmentsSubmitted,
            E::IdentityCityApproved,
            E::IdentityProvincialApproved,
        ]);
        assert_eq!(s, Ok(S::PhotoNeeded));
        // The province cannot approve before the city has.
        let err = run(&[
            E::IdentityCheckFailed,
            E::AttachmentsSubmitted,
            E::IdentityProvincialApproved,
        ]);
        assert!(err.is_err());
    }

    #[test]
    fn rejections_allow_a_new_attempt() {
        let s = run(&[
            E::IdentityCheckPassed,
            E::PhotoSubmitted,
            E::PhotoRejected,
            E::PhotoSubmitted,
            E::PhotoApproved,
        ]);
        assert_eq!(s, Ok(S::PhotoApproved));
    }

    #[test]
    fn the_form_needs_a_submitted_application() {
        assert!(!S::PhotoApproved.form_printable());
        assert!(S::Submitted.form_printable());
        assert!(!S::Withdrawn.form_printable());
    }

    #[test]
    fn no_state_accepts_every_event_and_errors_read_in_chinese() {
        let err = S::Registered.next(E::PhotoSubmitted).unwrap_err();
        assert_eq!(
            err.to_string(),
            "当前状态“已报送学历证书电子注册”下不能执行“提交毕业证照”"
        );
        for s in S::ALL {
            assert_eq!(S::from_db(s.as_str()), Some(s));
        }
    }
}
