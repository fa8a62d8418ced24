//! The candidate's side of the notice (第四部分 毕业办理步骤) as pure rules: when
//! an application may be filed, and what the candidate should do next in
//! each state. The web pages show these; the server enforces them.

use jiff::civil::DateTime;

use super::application::ApplicationState;
use super::audit::Verdict;
use super::batch::{Batch, Phase};

/// Why an application cannot be filed now. The message is shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyRefusal {
    #[error("本批次网上申请时间为 {0}，现在不在申请时间内")]
    OutsideWindow(String),
    #[error("请先在“确认信息”页面核对考籍信息并点击“信息无误”")]
    RecordNotConfirmed,
    #[error("毕业预测未通过，暂不能申请毕业：{0}")]
    PredictionFails(String),
    #[error("您已提交本批次的毕业申请（{0}），每批次只能申请一次")]
    AlreadyApplied(&'static str),
}

/// What the applicant brings to the 申请 button.
pub struct ApplyFacts<'a> {
    pub batch: &'a Batch,
    pub now: DateTime,
    pub record_confirmed: bool,
    pub verdict: Verdict,
    pub prediction_summary: &'a str,
    pub existing: Option<ApplicationState>,
}

fn window_text(b: &Batch) -> String {
    let fmt = |d: DateTime| d.strftime("%Y 年 %-m 月 %-d 日 %H:%M").to_string();
    let last = b
        .application
        .closes
        .checked_sub(jiff::SignedDuration::from_mins(1))
        .unwrap_or(b.application.closes);
    format!("{} 至 {}", fmt(b.application.opens), fmt(last))
}

/// Whether an application may be filed: inside the batch's window, with a
/// confirmed record, a passing prediction, and no application yet (a
/// withdrawn one does not count).
pub fn may_apply(f: &ApplyFacts) -> Result<(), ApplyRefusal> {
    if let Some(s) = f.existing.filter(|s| *s != ApplicationState::Withdrawn) {
        return Err(ApplyRefusal::AlreadyApplied(s.label()));
    }
    if f.batch.phase(f.now) != Phase::ApplicationOpen {
        return Err(ApplyRefusal::OutsideWindow(window_text(f.batch)));
    }
    if !f.record_confirmed {
        return Err(ApplyRefusal::RecordNotConfirmed);
    }
    if f.verdict != Verdict::Graduates {
        return Err(ApplyRefusal::PredictionFails(
            f.prediction_summary.to_owned(),
        ));
    }
    Ok(())
}

/// The next thing the candidate should do, and where.
pub fn next_step(state: Option<ApplicationState>) -> (&'static str, &'static str) {
    use ApplicationState as S;
    match state {
        None | Some(S::Withdrawn) => ("核对考籍信息，进行毕业预测，然后申请毕业", "/me/record"),
        Some(S::Started) => ("等待身份校验结果", "/me/status"),
        // The upload and capture pages are not built yet: the status page
        // says what is needed meanwhile.
        Some(S::IdentityAttachmentsNeeded | S::IdentityRejected) => (
            "身份校验未通过：上传身份证正面、反面及手持身份证照片",
            "/me/status",
        ),
        Some(S::IdentityCityReview | S::IdentityProvincialReview) => {
            ("身份附件还未审核通过，请等待审核结果", "/me/identity")
        }
        Some(S::PhotoNeeded | S::PhotoRejected) => ("采集毕业证照（手机扫码拍照）", "/me/photo"),
        Some(S::PhotoCityReview) => ("毕业证照待市考办审核，请等待审核结果", "/me/photo"),
        Some(S::PhotoApproved) => (
            "毕业证照已审核通过：请再次确认并提交毕业申请",
            "/me/application",
        ),
        Some(S::Submitted | S::OnsiteRejected) => (
            "打印《毕业生登记表》一式两份，盖章后在现场审核时间内提交材料",
            "/me/form.pdf",
        ),
        Some(S::OnsiteApproved) => ("现场材料审核通过，等待省考办复核", "/me/status"),
        Some(S::FinalApproved | S::Registered) => {
            ("复核通过，请留意领取毕业证的通知", "/me/status")
        }
        Some(S::FinalRejected) => ("省考办复核不通过，请查看原因", "/me/status"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn batch() -> Batch {
        crate::domain::batch::example()
    }

    #[test]
    fn an_application_needs_the_window_a_confirmed_record_and_a_passing_prediction() {
        let b = batch();
        let ok = ApplyFacts {
            batch: &b,
            now: date(2023, 6, 15).at(9, 0, 0, 0),
            record_confirmed: true,
            verdict: Verdict::Graduates,
            prediction_summary: "",
            existing: None,
        };
        assert_eq!(may_apply(&ok), Ok(()));
        let late = ApplyFacts {
            now: date(2023, 6, 21).at(0, 0, 0, 0),
            ..ok
        };
        let e = may_apply(&late).unwrap_err();
        assert_eq!(
            e.to_string(),
            "本批次网上申请时间为 2023 年 6 月 14 日 00:00 至 2023 年 6 月 20 日 23:59，现在不在申请时间内"
        );
        let ok = ApplyFacts {
            now: date(2023, 6, 15).at(9, 0, 0, 0),
            ..late
        };
        let unconfirmed = ApplyFacts {
            record_confirmed: false,
            ..ok
        };
        assert_eq!(
            may_apply(&unconfirmed),
            Err(ApplyRefusal::RecordNotConfirmed)
        );
        let ok = ApplyFacts {
            record_confirmed: true,
            ..unconfirmed
        };
        let failing = ApplyFacts {
            verdict: Verdict::NotYet,
            prediction_summary: "缺选考学分",
            ..ok
        };
        assert!(matches!(
            may_apply(&failing),
            Err(ApplyRefusal::PredictionFails(_))
        ));
        let ok = ApplyFacts {
            verdict: Verdict::Graduates,
            ..failing
        };
        let twice = ApplyFacts {
            existing: Some(ApplicationState::PhotoNeeded),
            ..ok
        };
        assert!(matches!(
            may_apply(&twice),
            Err(ApplyRefusal::AlreadyApplied(_))
        ));
        let after_withdrawal = ApplyFacts {
            existing: Some(ApplicationState::Withdrawn),
            ..twice
        };
        assert_eq!(may_apply(&after_withdrawal), Ok(()));
    }

    #[test]
    fn every_state_has_a_next_step() {
        for s in ApplicationState::ALL {
            let (text, to) = next_step(Some(s));
            assert!(!text.is_empty() && to.starts_with("/me"), "{s:?}");
        }
    }
}
