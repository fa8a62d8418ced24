//! Graduation applications (毕业申请): reading one candidate's application in
//! a batch. Writes go through the application journey, which moves the state
//! only by `ApplicationState::next`.

use sqlx::{AnyPool, Row};

use crate::domain::{ApplicationState, CandidateId, OfficeCode};

/// What the form printer and the office lookup need of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationSummary {
    pub id: i64,
    pub office_code: String,
    pub form_type: String,
    pub state: ApplicationState,
}

/// The candidate's application in the batch, if they applied.
pub async fn find(
    pool: &AnyPool,
    candidate: CandidateId,
    batch_code: &str,
) -> Result<Option<ApplicationSummary>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, office_code, form_type, state FROM graduation_applications \
         WHERE candidate_id = $1 AND batch_code = $2",
    )
    .bind(candidate.0)
    .bind(batch_code)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        let state: String = r.try_get("state")?;
        Ok(ApplicationSummary {
            id: r.try_get("id")?,
            office_code: r.try_get("office_code")?,
            form_type: r.try_get("form_type")?,
            state: ApplicationState::from_db(&state).ok_or_else(|| super::bad("state"))?,
        })
    })
    .transpose()
}

/// Where the candidate's materials go: the office chosen in the application,
/// or before applying the office of their record ("" when neither is known).
pub fn handling_office(
    application: Option<&ApplicationSummary>,
    registered: Option<&OfficeCode>,
) -> String {
    match (application, registered) {
        (Some(a), _) => a.office_code.clone(),
        (None, Some(o)) => o.to_string(),
        (None, None) => String::new(),
    }
}
