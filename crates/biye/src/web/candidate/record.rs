//! 确认信息: the record as the exam system holds it (name, gender, ID number
//! masked unless asked for, scores), the fields the candidate maintains
//! (基本信息维护), and the "信息无误" confirmation with its time.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{civil, last_minute, Journey};
use crate::db;
use crate::db::candidates::Contact;
use crate::domain::candidate::check_text;
use crate::domain::level::{
    ethnicity_label, label_of, EDUCATION_LEVEL, ETHNICITY, POLITICAL_STATUS,
};
use crate::domain::PhoneNumber;
use crate::web::error::{render, WebResult};
use crate::web::session::{CsrfToken, CurrentCandidate, FormBody};
use crate::web::AppState;

pub(super) struct ScoreLine {
    code: String,
    name: String,
    sitting: String,
    mark: String,
    how: &'static str,
    valid: bool,
}

#[derive(Template)]
#[template(path = "candidate/record.html")]
struct RecordPage {
    csrf: String,
    j_name: String,
    admission_no: String,
    gender: &'static str,
    birth_date: String,
    id_type: &'static str,
    id_no: String,
    id_shown: bool,
    political_status: &'static str,
    /// The photo on file: the newest accepted certificate photo, if any.
    photo: Option<(i64, &'static str)>,
    form: Contact,
    ethnicities: Vec<(String, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    scores: Vec<ScoreLine>,
    confirmed: Option<String>,
    prework_due: String,
    error: Option<String>,
    saved: bool,
}

use crate::domain::candidate::mask_id_no as masked;

#[derive(Deserialize, Default)]
pub(super) struct Show {
    #[serde(default)]
    show_id: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

async fn build(
    state: &AppState,
    j: &Journey,
    csrf: String,
    form: Contact,
    show_id: bool,
) -> WebResult<RecordPage> {
    let c = &j.profile;
    let facts = db::transcripts::facts(state.db.pool(), j.id.0).await?;
    let scores = facts
        .scores
        .iter()
        .map(|s| ScoreLine {
            code: s.course.to_string(),
            name: s.course_name.clone(),
            sitting: s.sitting.to_string(),
            mark: s.mark.label(),
            how: s.obtained_by.label(),
            valid: s.counts(),
        })
        .collect();
    let photo = match &j.application {
        Some(a) => db::photos::latest(state.db.pool(), a.id)
            .await?
            .filter(|p| p.compliant)
            .map(|p| {
                let approved = matches!(a.state, crate::domain::ApplicationState::PhotoApproved)
                    || a.state.form_printable();
                (
                    p.id,
                    if approved {
                        "已审核通过"
                    } else {
                        "待市考办审核"
                    },
                )
            }),
        None => None,
    };
    let confirmed = db::candidates::confirmed_at(state.db.pool(), j.id)
        .await?
        .map(|t| civil(state.clock.civil(t)));
    Ok(RecordPage {
        csrf,
        j_name: c.name.clone(),
        admission_no: c.admission_no.to_string(),
        gender: c.gender.label(),
        birth_date: c.birth_date.strftime("%Y 年 %-m 月 %-d 日").to_string(),
        id_type: c.id_type.label(),
        id_no: if show_id {
            c.id_no.clone()
        } else {
            masked(&c.id_no)
        },
        id_shown: show_id,
        political_status: label_of(POLITICAL_STATUS, &c.political_status).unwrap_or(""),
        photo,
        form,
        ethnicities: ETHNICITY
            .iter()
            .enumerate()
            .map(|(i, name)| (format!("{:02}", i + 1), *name))
            .collect(),
        levels: EDUCATION_LEVEL.to_vec(),
        scores,
        confirmed,
        prework_due: civil(last_minute(j.batch.prework_due)),
        error: None,
        saved: false,
    })
}

fn contact_of(c: &crate::domain::candidate::CandidateProfile) -> Contact {
    Contact {
        native_place: c.native_place.clone(),
        ethnicity: c.ethnicity.clone(),
        education_level: c.education_level.clone(),
        occupation: c.occupation.clone(),
        employer: c.employer.clone(),
        phone: c.phone.clone(),
        address: c.address.clone(),
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<Show>,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    let mut page = build(
        &state,
        &j,
        csrf,
        contact_of(&j.profile),
        q.show_id.is_some(),
    )
    .await?;
    page.saved = q.saved.is_some();
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub(super) struct ContactForm {
    native_place: String,
    ethnicity: String,
    education_level: String,
    occupation: String,
    employer: String,
    phone: String,
    address: String,
}

/// Checks what the candidate typed; the message names the field.
fn validate(f: &ContactForm) -> Result<Contact, String> {
    if ethnicity_label(&f.ethnicity).is_none() {
        return Err("请选择民族".into());
    }
    if label_of(EDUCATION_LEVEL, &f.education_level).is_none() {
        return Err("请选择最后学历".into());
    }
    let phone = PhoneNumber::parse(&f.phone).map_err(|_| {
        "联系电话应为 11 位手机号码，或带区号的固定电话（如 0751-8912116）".to_owned()
    })?;
    Ok(Contact {
        native_place: check_text("籍贯", &f.native_place, 50)?,
        ethnicity: f.ethnicity.clone(),
        education_level: f.education_level.clone(),
        occupation: check_text("职业", &f.occupation, 50)?,
        employer: check_text("工作单位", &f.employer, 100)?,
        phone: phone.to_string(),
        address: check_text("通讯地址", &f.address, 100)?,
    })
}

/// 基本信息维护: saves the candidate's own fields, or shows the form again
/// with what was typed and what is wrong.
pub(super) async fn save(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
    FormBody(f): FormBody<ContactForm>,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    let contact = match validate(&f) {
        Ok(c) => c,
        Err(message) => {
            let typed = Contact {
                native_place: f.native_place,
                ethnicity: f.ethnicity,
                education_level: f.education_level,
                occupation: f.occupation,
                employer: f.employer,
                phone: f.phone,
                address: f.address,
            };
            let mut page = build(&state, &j, csrf, typed, false).await?;
            page.error = Some(message);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let before = contact_of(&j.profile);
    let changed = (
        &before.native_place,
        &before.ethnicity,
        &before.education_level,
        &before.occupation,
        &before.employer,
        &before.phone,
        &before.address,
    ) != (
        &contact.native_place,
        &contact.ethnicity,
        &contact.education_level,
        &contact.occupation,
        &contact.employer,
        &contact.phone,
        &contact.address,
    );
    if changed {
        let now = state.clock.now();
        let mut tx = state.db.pool().begin().await?;
        db::candidates::update_contact(&mut tx, id, &contact, now).await?;
        db::audit::append(
            &mut tx,
            now,
            db::audit::Actor::Candidate(id.0),
            "contact_updated",
            "candidate",
            &id.to_string(),
            serde_json::json!({ "phone_changed": before.phone != contact.phone }),
        )
        .await?;
        tx.commit().await?;
    }
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/record?saved=1")]).into_response())
}

/// 信息无误: records the confirmation with its time.
pub(super) async fn confirm(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
) -> WebResult<Response> {
    let now = state.clock.now();
    let mut tx = state.db.pool().begin().await?;
    db::candidates::confirm(&mut tx, id, now).await?;
    db::audit::append(
        &mut tx,
        now,
        db::audit::Actor::Candidate(id.0),
        "record_confirmed",
        "candidate",
        &id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/prediction")]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_masked_in_the_middle() {
        assert_eq!(masked("440203198001010010"), "440203********0010");
        assert_eq!(masked("H12345678"), "H1*****78");
        assert_eq!(masked("abc"), "***");
    }
}
