//! Who may do what. Staff act within an office scope; candidates only on their own record.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// 市考办: reviews ID attachments, photos and on-site materials of its own office.
    CityReviewer,
    /// 省考办: second-level and final review, prior-education verification, export.
    ProvincialReviewer,
    /// Manages batches, offices and staff accounts.
    Admin,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [Self::CityReviewer, Self::ProvincialReviewer, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CityReviewer => "city_reviewer",
            Self::ProvincialReviewer => "provincial_reviewer",
            Self::Admin => "admin",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::CityReviewer => "市考办审核员",
            Self::ProvincialReviewer => "省考办审核员",
            Self::Admin => "系统管理员",
        }
    }
    /// A city reviewer must be bound to an office; the others work province-wide.
    pub fn needs_office(self) -> bool {
        self == Self::CityReviewer
    }
}

/// Where a staff member may act. Decided by the role alone: a city reviewer
/// is bound to one office, and one whose office is missing or unreadable
/// gets no scope at all (and so no session); nobody becomes province-wide
/// because an office is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Office(super::OfficeCode),
    Province,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("市考办审核员账号未绑定有效的考办，无法登录，请联系系统管理员")]
pub struct NoOffice;

impl Scope {
    /// The scope of a role with the office stored for the account.
    pub fn of(role: StaffRole, office: Option<&str>) -> Result<Scope, NoOffice> {
        if !role.needs_office() {
            return Ok(Scope::Province);
        }
        office
            .and_then(|o| super::OfficeCode::parse(o).ok())
            .map(Scope::Office)
            .ok_or(NoOffice)
    }

    /// Whether an application handled by `office` is within this scope.
    pub fn covers(&self, office: &str) -> bool {
        match self {
            Scope::Province => true,
            Scope::Office(mine) => mine.as_str() == office,
        }
    }

    pub fn office(&self) -> Option<&super::OfficeCode> {
        match self {
            Scope::Office(o) => Some(o),
            Scope::Province => None,
        }
    }
}

/// The authenticated party behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Candidate {
        id: super::CandidateId,
    },
    Staff {
        id: super::StaffId,
        role: StaffRole,
        scope: Scope,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_decided_by_role_and_fails_closed() {
        assert!(Scope::of(StaffRole::CityReviewer, None).is_err());
        assert!(Scope::of(StaffRole::CityReviewer, Some("")).is_err());
        assert!(Scope::of(StaffRole::CityReviewer, Some("02a1")).is_err());
        let city = Scope::of(StaffRole::CityReviewer, Some("0201")).unwrap();
        assert!(city.covers("0201"));
        assert!(!city.covers("0202"));
        assert!(!city.covers(""));
        // Province-wide roles ignore whatever office the row holds.
        let p = Scope::of(StaffRole::ProvincialReviewer, Some("0201")).unwrap();
        assert_eq!(p, Scope::Province);
        assert_eq!(Scope::of(StaffRole::Admin, None).unwrap(), Scope::Province);
    }
}
