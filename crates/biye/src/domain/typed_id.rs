//! One integer id type per table, so a candidate id cannot be passed where an
//! application id is expected.

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_id!(
    CandidateId,
    StaffId,
    PlanId,
    ApplicationId,
    PhotoId,
    ScoreId,
    PriorEducationId,
);
