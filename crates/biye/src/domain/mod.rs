//! Pure domain: types, rules and state machines. No I/O, no SQL, no HTTP; the
//! compiler keeps it so because nothing here imports `crate::db` or `crate::web`.

pub mod application;
pub mod audit;
pub mod batch;
pub mod candidate;
pub mod certificate;
pub mod correction;
pub mod ids;
pub mod journey;
pub mod level;
pub mod onsite;
pub mod plan;
pub mod prior;
pub mod role;
pub mod score;
pub mod typed_id;

pub use application::{ApplicationEvent, ApplicationState, TransitionError};
pub use batch::{Batch, BatchCode, Window};
pub use ids::{
    AdmissionNo, CourseCode, Gender, IdError, IdNo, IdType, MajorCode, OfficeCode, PhoneNumber,
    ResidentIdNo, SchoolCode, Sitting,
};
pub use level::Level;
pub use role::{Principal, Scope, StaffRole};
pub use typed_id::*;
