//! biye: graduation registration for the Guangdong self-study examination.
//! See ARCHITECTURE.md for the map of this crate and the rules it keeps.

pub mod capture;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod exports;
pub mod face_match;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod interchange;
pub mod jobs;
pub(crate) mod outbound;
pub mod passwords;
pub mod prediction;
pub mod printing;
pub mod signing;
pub mod sms;
pub mod storage;
pub mod uploads;
pub mod web;
