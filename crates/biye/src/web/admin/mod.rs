//! Administration: batches and offices, staff accounts, the access log and
//! the audit log. Administrators make no candidate decisions; every page
//! here takes `CurrentAdmin`.

mod access_log;
mod audit_log;
mod batches;
mod staff;

use super::routes::Area;

pub fn area() -> Area {
    Area::new()
        .merge(access_log::area())
        .merge(audit_log::area())
        .merge(batches::area())
        .merge(staff::area())
}
