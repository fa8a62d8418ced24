//! 毕业证书编号: the 17-digit certificate number the provincial office assigns
//! at the final review. The layout is documented (`domain.md`): school type
//! `6` (self-study) + level (`5` 本科, `6` 专科) + province `44` + the office's
//! city and district (4) + year code (2) + half (`1`/`2`) + the admission
//! number's sequence (5) + a check digit. The year code's base and the check
//! algorithm are not published, so both are configuration
//! ([`Layout`]), never constants in the code that assigns.

use std::fmt;

use super::{AdmissionNo, BatchCode, Level, OfficeCode};

/// How the unpublished parts are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The year whose code is `00` (year code = (year − base) mod 100).
    pub year_base: i16,
    pub check: CheckRule,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            year_base: 2000,
            check: CheckRule::Luhn,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckRule {
    /// The Luhn digit over the first 16 digits.
    Luhn,
    /// The same digit on every number (as the demo's issued certificates carry).
    Fixed(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("证书编号校验规则应为 luhn 或 fixed:N（N 为 0–9），收到“{0}”")]
pub struct BadRule(String);

impl CheckRule {
    pub fn parse(s: &str) -> Result<Self, BadRule> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("luhn") {
            return Ok(Self::Luhn);
        }
        t.strip_prefix("fixed:")
            .and_then(|d| d.parse::<u8>().ok())
            .filter(|d| *d <= 9)
            .map(Self::Fixed)
            .ok_or_else(|| BadRule(s.to_owned()))
    }

    fn digit(self, first16: &str) -> u8 {
        match self {
            Self::Fixed(d) => d,
            Self::Luhn => {
                // Doubling starts at the rightmost digit, as the check digit follows it.
                let sum: u32 = first16
                    .bytes()
                    .rev()
                    .enumerate()
                    .map(|(i, b)| {
                        let d = u32::from(b - b'0');
                        if i % 2 == 0 {
                            let x = d * 2;
                            if x > 9 {
                                x - 9
                            } else {
                                x
                            }
                        } else {
                            d
                        }
                    })
                    .sum();
                ((10 - sum % 10) % 10) as u8
            }
        }
    }
}

/// A certificate number, always 17 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateNo(String);

impl CertificateNo {
    /// The number for a graduate, with `sequence` (normally the admission
    /// number's last five digits; the caller picks the next free one when two
    /// graduates of an office share it).
    pub fn assign(
        layout: Layout,
        level: Level,
        office: &OfficeCode,
        batch: BatchCode,
        sequence: u32,
    ) -> Self {
        let level = match level {
            Level::Bachelor => '5',
            Level::Associate => '6',
        };
        let year = (i32::from(batch.year()) - i32::from(layout.year_base)).rem_euclid(100);
        let first16 = format!(
            "6{level}44{}{year:02}{}{:05}",
            office.as_str(),
            batch.half(),
            sequence % 100_000
        );
        let check = layout.check.digit(&first16);
        Self(format!("{first16}{check}"))
    }

    /// The admission number's sequence (its last five digits).
    pub fn sequence_of(admission_no: &AdmissionNo) -> u32 {
        let s = admission_no.as_str();
        s[s.len() - 5..].parse().unwrap_or(0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CertificateNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office() -> OfficeCode {
        OfficeCode::parse("0201").unwrap()
    }

    #[test]
    fn the_documented_layout() {
        let batch = BatchCode::parse("2023H1").unwrap();
        let n = CertificateNo::assign(
            Layout {
                year_base: 2001,
                check: CheckRule::Fixed(0),
            },
            Level::Associate,
            &office(),
            batch,
            11,
        );
        // The demo's issued certificates have this shape: 6 6 44 0201 22 1 00011 0.
        assert_eq!(n.as_str(), "66440201221000110");
        let b = CertificateNo::assign(Layout::default(), Level::Bachelor, &office(), batch, 12345);
        assert_eq!(&b.as_str()[..16], "6544020123112345");
        assert_eq!(b.as_str().len(), 17);
        assert!(b.as_str().bytes().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn luhn_matches_the_textbook_example() {
        // 7992739871 → check digit 3.
        assert_eq!(CheckRule::Luhn.digit("7992739871"), 3);
    }

    #[test]
    fn rules_parse_from_configuration() {
        assert_eq!(CheckRule::parse("luhn"), Ok(CheckRule::Luhn));
        assert_eq!(CheckRule::parse("fixed:0"), Ok(CheckRule::Fixed(0)));
        for bad in ["", "fixed:10", "mod11", "fixed:x"] {
            assert!(CheckRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sequence_is_the_admission_numbers_tail() {
        let a = AdmissionNo::parse("020121900042").unwrap();
        assert_eq!(CertificateNo::sequence_of(&a), 42);
    }
}
