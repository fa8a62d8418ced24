//! 批次: one graduation round. Every window and deadline of the notice is a field
//! here, loaded from the database, so a new batch is data, never code.
//!
//! Times are civil date-times in the batch's time zone (Asia/Shanghai); a window
//! is half-open `[opens, closes)`, and "在 5 月 1 日前" is stored as the exclusive
//! instant `2023-05-01T00:00`.

use std::fmt;

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("批次代码应形如 2023H1（年份 + H1 上半年 / H2 下半年），收到“{0}”")]
    Code(String),
    #[error("时间段“{0}”的结束时间不晚于开始时间")]
    EmptyWindow(String),
}

/// `2023H1`: year and half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct BatchCode {
    year: i16,
    half: u8,
}

impl BatchCode {
    pub fn parse(s: &str) -> Result<Self, BatchError> {
        let t = s.trim().to_ascii_uppercase();
        let err = || BatchError::Code(s.to_owned());
        if t.len() != 6 || !t.is_ascii() {
            return Err(err());
        }
        let year: i16 = t[..4].parse().map_err(|_| err())?;
        let half = match &t[4..] {
            "H1" => 1,
            "H2" => 2,
            _ => return Err(err()),
        };
        if !(1981..=2100).contains(&year) {
            return Err(err());
        }
        Ok(Self { year, half })
    }
    pub fn year(self) -> i16 {
        self.year
    }
    pub fn half(self) -> u8 {
        self.half
    }
    pub fn label(self) -> String {
        format!(
            "{} 年{}",
            self.year,
            if self.half == 1 {
                "上半年"
            } else {
                "下半年"
            }
        )
    }
}

impl fmt::Display for BatchCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}H{}", self.year, self.half)
    }
}

impl From<BatchCode> for String {
    fn from(c: BatchCode) -> String {
        c.to_string()
    }
}

impl<'de> Deserialize<'de> for BatchCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A half-open span of civil time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub opens: DateTime,
    pub closes: DateTime,
}

impl Window {
    pub fn new(opens: DateTime, closes: DateTime) -> Result<Self, BatchError> {
        if closes <= opens {
            return Err(BatchError::EmptyWindow(format!("{opens} – {closes}")));
        }
        Ok(Self { opens, closes })
    }
    pub fn contains(&self, t: DateTime) -> bool {
        self.opens <= t && t < self.closes
    }
}

/// Where a batch is in its life, relative to a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    BeforeApplication,
    ApplicationOpen,
    AfterApplication,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub code: BatchCode,
    pub name: String,
    /// 网上毕业生图像采集及毕业申请、打印《毕业生登记表》.
    pub application: Window,
    /// 转考、免考、考籍信息更正 must be complete before this instant.
    pub prework_due: DateTime,
    /// 本科 prior education must be registered before this instant.
    pub prior_education_due: DateTime,
    /// Fresh graduates complete their diploma number before this instant.
    pub prior_education_supplement_due: DateTime,
    /// Paper materials handed in before this instant.
    pub materials_due: DateTime,
    /// 毕业年月: the date violations' deferrals are measured against.
    pub graduation_date: Date,
    /// Free text shown to candidates, e.g. "预计 2023 年 11 月".
    pub certificate_note: String,
}

impl Batch {
    pub fn phase(&self, now: DateTime) -> Phase {
        if now < self.application.opens {
            Phase::BeforeApplication
        } else if self.application.contains(now) {
            Phase::ApplicationOpen
        } else {
            Phase::AfterApplication
        }
    }
}

/// One on-site review session of an office in a batch (the notice's morning and
/// afternoon hours on each day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnsiteSession {
    pub office_code: super::OfficeCode,
    pub window: Window,
}

/// The notice's batch (2023 上半年), for tests of the rules that use it.
#[cfg(test)]
pub(crate) fn example() -> Batch {
    tests::batch()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    pub(super) fn batch() -> Batch {
        Batch {
            code: BatchCode::parse("2023H1").unwrap(),
            name: "2023 年上半年".into(),
            application: Window::new(
                date(2023, 6, 14).at(0, 0, 0, 0),
                date(2023, 6, 21).at(0, 0, 0, 0),
            )
            .unwrap(),
            prework_due: date(2023, 5, 1).at(0, 0, 0, 0),
            prior_education_due: date(2023, 6, 1).at(0, 0, 0, 0),
            prior_education_supplement_due: date(2023, 7, 3).at(0, 0, 0, 0),
            materials_due: date(2023, 6, 21).at(0, 0, 0, 0),
            graduation_date: date(2023, 6, 30),
            certificate_note: "预计 2023 年 11 月".into(),
        }
    }

    #[test]
    fn batch_code_round_trips() {
        let c = BatchCode::parse("2023h1").unwrap();
        assert_eq!(c.to_string(), "2023H1");
        assert_eq!(c.label(), "2023 年上半年");
        for bad in ["2023H3", "23H1", "2023-1", "", "２０２３H1"] {
            assert!(BatchCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn application_window_is_half_open() {
        let b = batch();
        assert_eq!(
            b.phase(date(2023, 6, 13).at(23, 59, 59, 0)),
            Phase::BeforeApplication
        );
        assert_eq!(
            b.phase(date(2023, 6, 14).at(0, 0, 0, 0)),
            Phase::ApplicationOpen
        );
        assert_eq!(
            b.phase(date(2023, 6, 20).at(23, 59, 59, 0)),
            Phase::ApplicationOpen
        );
        assert_eq!(
            b.phase(date(2023, 6, 21).at(0, 0, 0, 0)),
            Phase::AfterApplication
        );
    }

    #[test]
    fn empty_windows_are_refused() {
        let t = date(2023, 6, 14).at(0, 0, 0, 0);
        assert!(Window::new(t, t).is_err());
    }
}
