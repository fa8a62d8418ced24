//! The candidate's pages, one file per step of the notice (第四部分): the home
//! page with the batch, the current step and the deadlines; 确认信息
//! (`record.rs`); 毕业预测 (`prediction.rs`); 毕业申请 (`application.rs`);
//! every step's state (`status.rs`); the registration form (`form.rs`).
//!
//! Every page reads only the signed-in candidate's own data: the candidate
//! id comes from the session, never from the URL.

mod application;
mod correction;
mod form;
mod identity;
mod photo;
mod prediction;
mod prior;
mod record;
mod status;

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;
use jiff::civil::DateTime;

use super::error::{render, WebError, WebResult};
use super::routes::Area;
use super::session::{CsrfToken, CurrentCandidate};
use super::AppState;
use crate::db;
use crate::db::applications::ApplicationSummary;
use crate::domain::batch::Phase;
use crate::domain::candidate::CandidateProfile;
use crate::domain::{Batch, CandidateId, Level};

pub fn area() -> Area {
    Area::new()
        .get("/me", home)
        .get("/me/record", record::page)
        .post("/me/record", record::save)
        .post("/me/record/confirm", record::confirm)
        .get("/me/record/correction", correction::page)
        .post("/me/record/correction", correction::file)
        .get("/me/prediction", prediction::page)
        .get("/me/application", application::page)
        .post("/me/application", application::submit)
        .get("/me/identity", identity::page)
        .post("/me/identity", identity::submit)
        .get("/me/identity/{kind}", identity::image)
        .get("/me/photo", photo::page)
        .post("/me/photo", photo::start)
        .get("/me/photo/latest.json", photo::latest)
        .get("/me/photo/{id}/{which}", photo::image)
        .get("/me/prior-education", prior::page)
        .post("/me/prior-education", prior::save)
        .get("/me/status", status::page)
        .get("/me/form.pdf", form::pdf)
}

/// The batch a candidate works in now: the one whose application window is
/// open, else the next to open, else the latest.
pub(super) async fn current_batch(state: &AppState) -> WebResult<Batch> {
    let now = state.clock.civil_now();
    let all = db::batches::all(state.db.pool()).await?;
    let open = all.iter().find(|b| b.phase(now) == Phase::ApplicationOpen);
    let next = all
        .iter()
        .filter(|b| b.phase(now) == Phase::BeforeApplication)
        .min_by_key(|b| b.application.opens);
    open.or(next)
        .or(all.first())
        .cloned()
        .ok_or(WebError::NotNow("目前没有办理中的毕业批次"))
}

/// The candidate, the batch and their application in it.
pub(super) struct Journey {
    pub id: CandidateId,
    pub profile: CandidateProfile,
    pub batch: Batch,
    pub application: Option<ApplicationSummary>,
}

impl Journey {
    pub async fn load(state: &AppState, id: CandidateId) -> WebResult<Journey> {
        let profile = db::candidates::get(state.db.pool(), id)
            .await?
            .ok_or(WebError::NotFound)?;
        let batch = current_batch(state).await?;
        let application =
            db::applications::find(state.db.pool(), id, &batch.code.to_string()).await?;
        Ok(Journey {
            id,
            profile,
            batch,
            application,
        })
    }

    pub fn is_bachelor(&self, state_level: Option<Level>) -> bool {
        state_level == Some(Level::Bachelor)
    }
}

/// A date-time as candidates read it.
pub(super) fn civil(t: DateTime) -> String {
    t.strftime("%Y 年 %-m 月 %-d 日 %H:%M").to_string()
}

/// "Before 1 May" is stored as the exclusive instant 1 May 00:00; people read
/// the last minute that still counts.
pub(super) fn last_minute(t: DateTime) -> DateTime {
    t.checked_sub(jiff::SignedDuration::from_mins(1))
        .unwrap_or(t)
}

pub(super) struct Deadline {
    pub what: &'static str,
    pub when: String,
    /// On the last day: how long is left, e.g. "还剩 5 小时 12 分".
    pub countdown: Option<String>,
}

/// The batch's deadlines that are still ahead, soonest first.
fn deadlines(b: &Batch, now: DateTime, bachelor: bool) -> Vec<Deadline> {
    let mut all = vec![
        ("转考、免考、考籍信息更正办结", b.prework_due),
        ("网上申请、图像采集及打印登记表", b.application.closes),
        ("提交《毕业生登记表》及材料", b.materials_due),
    ];
    if bachelor {
        all.push(("本科前置学历登记", b.prior_education_due));
        all.push((
            "应届生补填前置学历毕业证号",
            b.prior_education_supplement_due,
        ));
    }
    all.retain(|(_, t)| *t > now);
    all.sort_by_key(|(_, t)| *t);
    all.into_iter()
        .map(|(what, t)| {
            let left = now.duration_until(t);
            let countdown = (left < jiff::SignedDuration::from_hours(24)).then(|| {
                let mins = left.as_secs() / 60;
                format!("今天截止，还剩 {} 小时 {} 分", mins / 60, mins % 60)
            });
            Deadline {
                what,
                when: civil(last_minute(t)),
                countdown,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "candidate/home.html")]
struct Home {
    csrf: String,
    name: String,
    batch: String,
    window: String,
    open: bool,
    state: String,
    next_text: &'static str,
    next_link: &'static str,
    deadlines: Vec<Deadline>,
    certificate_note: String,
}

async fn home(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let j = Journey::load(&state, id).await?;
    let now = state.clock.civil_now();
    let level = prediction::level_of(&state, &j).await?;
    let current = j.application.as_ref().map(|a| a.state);
    let (next_text, next_link) = crate::domain::journey::next_step(current);
    render(&Home {
        csrf,
        name: j.profile.name.clone(),
        batch: j.batch.name.clone(),
        window: format!(
            "{} 至 {}",
            civil(j.batch.application.opens),
            civil(last_minute(j.batch.application.closes))
        ),
        open: j.batch.phase(now) == Phase::ApplicationOpen,
        state: current.map_or("尚未申请毕业".to_owned(), |s| s.label().to_owned()),
        next_text,
        next_link,
        deadlines: deadlines(&j.batch, now, j.is_bachelor(level)),
        certificate_note: j.batch.certificate_note.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn past_deadlines_drop_out_and_the_last_day_counts_down() {
        let b = crate::domain::batch::example();
        let d = deadlines(&b, date(2023, 6, 15).at(9, 0, 0, 0), false);
        assert_eq!(d.len(), 2, "the May deadline has passed");
        assert!(d.iter().all(|d| d.countdown.is_none()));
        let last_day = deadlines(&b, date(2023, 6, 20).at(18, 30, 0, 0), true);
        assert_eq!(
            last_day[0].countdown.as_deref(),
            Some("今天截止，还剩 5 小时 30 分")
        );
        assert_eq!(last_day[0].when, "2023 年 6 月 20 日 23:59");
        assert_eq!(last_day.last().unwrap().what, "应届生补填前置学历毕业证号");
    }
}
