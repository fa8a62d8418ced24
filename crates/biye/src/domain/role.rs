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

/// The authenticated party behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Candidate {
        id: super::CandidateId,
    },
    Staff {
        id: super::StaffId,
        role: StaffRole,
        office: Option<super::OfficeCode>,
    },
}
