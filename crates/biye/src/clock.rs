//! The time the application acts at. Real, or shifted to a simulated moment that
//! then advances in real time (for demos and training on a past batch). Every
//! instant the application records (audit log, sessions, codes, imports) comes
//! from here, so a demo living in 2023 records 2023 throughout.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone)]
pub struct Clock {
    tz: TimeZone,
    offset: SignedDuration,
}

impl Clock {
    pub fn real(tz: TimeZone) -> Self {
        Self {
            tz,
            offset: SignedDuration::ZERO,
        }
    }

    /// A clock that reads `start` now and advances from there.
    pub fn starting_at(tz: TimeZone, start: DateTime) -> Result<Self, jiff::Error> {
        let start = tz.to_timestamp(start)?;
        Ok(Self {
            tz,
            offset: start.duration_since(Timestamp::now()),
        })
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.offset)
            .unwrap_or_else(|_| Timestamp::now())
    }

    /// The civil date-time in the batches' time zone.
    pub fn civil_now(&self) -> DateTime {
        self.tz.to_datetime(self.now())
    }

    pub fn is_simulated(&self) -> bool {
        self.offset.abs() > SignedDuration::from_secs(60)
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// An instant shown to a person: civil time in the batches' zone.
    pub fn civil(&self, t: Timestamp) -> DateTime {
        self.tz.to_datetime(t)
    }
}
