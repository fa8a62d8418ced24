//! What every review queue shares: who may act at which level, the standard
//! reasons with R + digit keys, and the one way a decision moves an
//! application — a conditional transition inside the caller's transaction
//! that, when another reviewer decided first, says who and when instead.

use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sqlx::AnyConnection;

use super::error::{WebError, WebResult};
use super::session::CurrentStaff;
use super::AppState;
use crate::db;
use crate::db::applications::TransitionFailure;
use crate::db::audit::Actor;
use crate::domain::{ApplicationEvent, ApplicationState, StaffRole};

/// The most one queue page lists.
pub const PAGE: i64 = 50;

/// The level a reviewer works at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Level {
    /// A city office: only applications handled there.
    City(String),
    Province,
}

impl Level {
    /// The office filter of queries ("" for the whole province).
    pub fn office(&self) -> &str {
        match self {
            Level::City(o) => o,
            Level::Province => "",
        }
    }
    pub fn covers(&self, office: &str) -> bool {
        match self {
            Level::City(o) => o == office,
            Level::Province => true,
        }
    }
}

/// City or provincial reviewer; administrators make no candidate decisions.
pub fn reviewer(staff: &CurrentStaff) -> WebResult<Level> {
    match staff.role {
        StaffRole::CityReviewer => staff
            .scope
            .office()
            .map(|o| Level::City(o.to_string()))
            .ok_or(WebError::Forbidden("账号未绑定考办")),
        StaffRole::ProvincialReviewer => Ok(Level::Province),
        StaffRole::Admin => Err(WebError::Forbidden(
            "系统管理员不审核考生业务，请使用审核员账号",
        )),
    }
}

pub fn city(staff: &CurrentStaff) -> WebResult<String> {
    match reviewer(staff)? {
        Level::City(o) => Ok(o),
        Level::Province => Err(WebError::Forbidden("此项由考生办理地点的市考办审核")),
    }
}

pub fn provincial(staff: &CurrentStaff) -> WebResult<()> {
    match reviewer(staff)? {
        Level::Province => Ok(()),
        Level::City(_) => Err(WebError::Forbidden("此项由省考办审核")),
    }
}

/// The refusal for an item outside the reviewer's office.
pub const NOT_YOURS: WebError = WebError::Forbidden("该考生的办理地点不是您所在的考办");

/// A standard reason list as the templates show it: (key digit, code, label).
pub fn keyed(reasons: &[(&'static str, &'static str)]) -> Vec<(usize, &'static str, &'static str)> {
    reasons
        .iter()
        .enumerate()
        .map(|(i, (code, label))| ((i + 1) % 10, *code, *label))
        .collect()
}

/// An approve/reject form as posted by every queue.
#[derive(Debug, serde::Deserialize)]
pub struct Decision {
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub comment: String,
}

/// What a posted decision means.
pub enum Verdict {
    Approve,
    /// The reason code and the text the candidate reads.
    Reject(&'static str, String),
}

/// Reads a decision; `Ok(Err(message))` is a form mistake to show beside the form.
pub fn verdict(
    d: &Decision,
    reasons: &[(&'static str, &'static str)],
) -> WebResult<Result<Verdict, String>> {
    let comment = crate::domain::candidate::check_text("说明", &d.comment, 200)
        .map_err(WebError::BadRequest)?;
    match d.decision.as_str() {
        "approve" => Ok(Ok(Verdict::Approve)),
        "reject" => {
            let Some((code, label)) = reasons.iter().find(|(c, _)| *c == d.reason) else {
                return Ok(Err("请选择不通过的原因".into()));
            };
            let text = if comment.is_empty() {
                (*label).to_owned()
            } else {
                format!("{label}：{comment}")
            };
            Ok(Ok(Verdict::Reject(code, text)))
        }
        _ => Err(WebError::BadRequest("审核结论应为通过或不通过".into())),
    }
}

/// Moves the application if it is still in `from`; otherwise the message
/// that tells the reviewer who decided it, and when.
pub async fn move_or_tell(
    state: &AppState,
    conn: &mut AnyConnection,
    staff: &CurrentStaff,
    application: i64,
    from: ApplicationState,
    event: ApplicationEvent,
    reason: &str,
) -> WebResult<Result<ApplicationState, String>> {
    let now = state.clock.now();
    let actor = Actor::Staff(staff.id.0);
    match db::applications::transition(conn, application, from, event, actor, reason, now).await {
        Ok(to) => Ok(Ok(to)),
        Err(TransitionFailure::Db(e)) => Err(e.into()),
        Err(_) => Ok(Err(already_decided(state, application).await?)),
    }
}

async fn already_decided(state: &AppState, application: i64) -> WebResult<String> {
    Ok(
        match db::review::last_actor(state.db.pool(), application).await? {
            Some((name, at)) if !name.is_empty() => {
                format!("该申请已由{name}于 {at}（UTC）处理，无需重复处理")
            }
            _ => "该申请已不在待审核状态，请刷新队列".to_owned(),
        },
    )
}

/// The item page again with a message beside the form (a mistake: 422; lost
/// to another reviewer or outside the hours: 409).
pub fn redisplay<T: askama::Template>(status: StatusCode, page: &T) -> WebResult<Response> {
    Ok((status, super::error::render(page)?).into_response())
}

/// After a decision: the next item of the queue, or the queue when it is empty.
pub fn onward(base: &str, next: Option<i64>) -> Response {
    let to = next.map_or_else(|| base.to_owned(), |n| format!("{base}/{n}"));
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// The previous and next item around `current` in a queue of ids.
pub fn neighbours(queue: &[i64], current: i64) -> (Option<i64>, Option<i64>) {
    match queue.iter().position(|&i| i == current) {
        Some(i) => (
            i.checked_sub(1).map(|j| queue[j]),
            queue.get(i + 1).copied(),
        ),
        None => (None, queue.first().copied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_in_a_queue() {
        assert_eq!(neighbours(&[1, 2, 3], 2), (Some(1), Some(3)));
        assert_eq!(neighbours(&[1, 2, 3], 1), (None, Some(2)));
        // The item left the queue (decided): the next is the first still waiting.
        assert_eq!(neighbours(&[4, 5], 2), (None, Some(4)));
    }

    #[test]
    fn a_rejection_needs_a_standard_reason() {
        const R: &[(&str, &str)] = &[("a", "原因甲")];
        let d = |decision: &str, reason: &str, comment: &str| Decision {
            decision: decision.into(),
            reason: reason.into(),
            comment: comment.into(),
        };
        assert!(matches!(
            verdict(&d("approve", "", ""), R),
            Ok(Ok(Verdict::Approve))
        ));
        assert!(matches!(verdict(&d("reject", "", ""), R), Ok(Err(_))));
        match verdict(&d("reject", "a", "补充"), R) {
            Ok(Ok(Verdict::Reject(code, text))) => {
                assert_eq!((code, text.as_str()), ("a", "原因甲：补充"))
            }
            _ => panic!("a reason"),
        }
        assert!(verdict(&d("maybe", "", ""), R).is_err());
    }
}
