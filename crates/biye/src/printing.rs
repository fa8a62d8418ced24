//! The registration form for one candidate and batch: the record as the exam
//! system holds it, the application (or the registered major), the courses
//! the prediction counted, the accepted certificate photo, and a signed QR
//! reference for the office. Rendering is CPU work and runs off the async
//! runtime when called from the server.

use std::sync::Arc;

use sqlx::AnyPool;

use crate::db;
use crate::domain::audit::Audit;
use crate::domain::level::{ethnicity_label, label_of, EDUCATION_LEVEL, POLITICAL_STATUS};
use crate::domain::{AdmissionNo, Batch, CandidateId};
use crate::prediction::{self, Plans, PredictionError};
use crate::storage::Storage;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Prediction(#[from] PredictionError),
    #[error(transparent)]
    Form(#[from] forms::FormError),
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("读取照片失败：{0}")]
    Storage(#[from] crate::storage::StorageError),
    /// The form exists only for a submitted application (毕业申请提交成功).
    #[error("考生 {admission_no} 本批次的毕业申请{state}，不能打印登记表")]
    NotPrintable {
        admission_no: String,
        state: &'static str,
    },
}

/// What the printer needs besides the database.
pub struct PrintContext<'a> {
    pub pool: &'a AnyPool,
    pub storage: &'a Storage,
    pub plans: &'a Plans,
    pub batch: &'a Batch,
    pub audit_context: &'a crate::domain::audit::Context,
    pub keys: &'a crate::signing::Keyring,
    pub public_url: &'a url::Url,
    pub printed_at: jiff::civil::DateTime,
}

/// The form type the notice asks for (登记表类型“非公开学院”), as stored.
const NON_PUBLIC_COLLEGE: &str = "non_public_college";

/// The printed name of a form type: the administrator's list (`form_types`).
async fn form_type_label(pool: &sqlx::AnyPool, stored: &str) -> Result<String, sqlx::Error> {
    Ok(db::reference::form_types(pool)
        .await?
        .into_iter()
        .find(|(code, _, _)| code == stored)
        .map_or_else(|| stored.to_owned(), |(_, name, _)| name))
}

fn label(v: Option<&'static str>, code: &str) -> String {
    v.map(str::to_owned).unwrap_or_else(|| code.to_owned())
}

/// Gathers everything the form prints for one candidate, whose application
/// in the batch must be submitted (the notice's 第七步) or further along.
pub async fn form_data(
    p: &PrintContext<'_>,
    admission_no: &AdmissionNo,
) -> Result<forms::FormData, PrintError> {
    let (id, c) = db::candidates::get_by_admission_no(p.pool, admission_no)
        .await?
        .ok_or_else(|| PredictionError::NoCandidate(admission_no.to_string()))?;
    let application = db::applications::find(p.pool, id, &p.batch.code.to_string()).await?;
    match &application {
        Some(a) if a.state.form_printable() => {}
        other => {
            return Err(PrintError::NotPrintable {
                admission_no: admission_no.to_string(),
                state: other.as_ref().map_or("尚未提交", |a| a.state.label()),
            })
        }
    }
    let prediction = prediction::predict(
        p.pool,
        p.plans,
        p.audit_context,
        p.batch,
        admission_no.as_str(),
    )
    .await?;
    let plan = &prediction.plan.plan;
    let office_code =
        db::applications::handling_office(application.as_ref(), c.office_code.as_ref());
    let form_type = application.map_or_else(|| NON_PUBLIC_COLLEGE.to_owned(), |a| a.form_type);
    let form_type = form_type_label(p.pool, &form_type).await?;
    let office = db::reference::office_label(p.pool, &office_code).await?;
    let batch_code = p.batch.code.to_string();
    let reference = p.keys.form_reference(admission_no.as_str(), &batch_code);
    let mut lookup = p
        .public_url
        .join("onsite/lookup")
        .unwrap_or_else(|_| p.public_url.clone());
    lookup.query_pairs_mut().append_pair("ref", &reference);
    Ok(forms::FormData {
        form_type,
        batch: p.batch.name.clone(),
        admission_no: admission_no.to_string(),
        name: c.name.clone(),
        gender: c.gender.label().into(),
        ethnicity: label(ethnicity_label(&c.ethnicity), &c.ethnicity),
        id_no: c.id_no.clone(),
        birth_date: c.birth_date.strftime("%Y年%m月%d日").to_string(),
        native_place: c.native_place.clone(),
        political_status: label(
            label_of(POLITICAL_STATUS, &c.political_status),
            &c.political_status,
        ),
        education_level: label(
            label_of(EDUCATION_LEVEL, &c.education_level),
            &c.education_level,
        ),
        occupation: c.occupation.clone(),
        employer: c.employer.clone(),
        phone: c.phone.clone(),
        address: c.address.clone(),
        major: format!("{} {}", plan.major_code, plan.major_name),
        level: plan.level.label().into(),
        examining_school: format!(
            "{} {}",
            plan.examining_school_code, plan.examining_school_name
        ),
        office,
        courses: courses(&prediction.audit),
        total_credits: prediction.audit.total_credits.to_string(),
        printed_at: p.printed_at.strftime("%Y-%m-%d %H:%M").to_string(),
        reference: p.keys.short_code(admission_no.as_str(), &batch_code),
        photo_jpeg: accepted_photo(p, id).await?,
        qr_payload: Some(lookup.to_string()),
    })
}

fn courses(audit: &Audit) -> Vec<forms::CourseLine> {
    audit
        .counted
        .iter()
        .map(|c| forms::CourseLine {
            code: c.code.clone(),
            name: c.name.clone(),
            credits: c.credits.map(|x| x.to_string()).unwrap_or_default(),
            mark: c.mark.clone(),
            sitting: c.sitting.clone(),
            obtained_by: c.obtained_by.clone(),
        })
        .collect()
}

/// The newest compliant, fixed certificate photo, if any.
async fn accepted_photo(
    p: &PrintContext<'_>,
    candidate: CandidateId,
) -> Result<Option<Vec<u8>>, PrintError> {
    match db::photos::accepted_fixed_key(p.pool, candidate).await? {
        Some(key) => Ok(Some(p.storage.get(&key).await?.to_vec())),
        None => Ok(None),
    }
}

/// Renders on a blocking thread, for callers on the async runtime.
pub async fn render(
    renderer: Arc<forms::Renderer>,
    data: forms::FormData,
) -> Result<Vec<u8>, PrintError> {
    tokio::task::spawn_blocking(move || renderer.render(&data))
        .await
        .map_err(|e| forms::FormError::Layout(e.to_string()))?
        .map_err(PrintError::from)
}
