//! Identifiers that arrive as text from people and files: parse once at the edge,
//! then carry a type that cannot hold an invalid value ("parse, don't validate").
//!
//! Every `parse` returns an error whose `Display` is a Chinese sentence fit to show
//! a candidate or an importing clerk as is.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Why a piece of text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("准考证号应为 12 位数字，收到“{0}”")]
    AdmissionNo(String),
    #[error("身份证号应为 18 位（或旧式 15 位）数字，最后一位可为 X，收到“{0}”")]
    IdNoShape(String),
    #[error("身份证号“{0}”中的出生日期无效")]
    IdNoBirthDate(String),
    #[error("身份证号“{got}”校验位错误，按 GB 11643 应为 {expected}")]
    IdNoCheckDigit { got: String, expected: char },
    #[error("证件号码应为 5–20 位字母、数字或连字符，收到“{0}”")]
    OtherDocument(String),
    #[error("课程代码应为 5 位数字，收到“{0}”")]
    CourseCode(String),
    #[error("办理地点代码应为 4 位数字（如 0201），收到“{0}”")]
    OfficeCode(String),
    #[error("专业代码应为 6–7 位字母或数字（如 670202），收到“{0}”")]
    MajorCode(String),
    #[error("主考学校代码应为 1–6 位字母或数字，收到“{0}”")]
    SchoolCode(String),
    #[error("联系电话应为 11 位手机号或带区号的固定电话（如 0751-8912116），收到“{0}”")]
    Phone(String),
    #[error("考试年月应为 YYYYMM（如 202304），收到“{0}”")]
    Sitting(String),
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! text_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
    };
}

text_newtype!(
    /// 准考证号: city (2) + district (2) + registration period (3) + sequence (5).
    AdmissionNo
);

impl AdmissionNo {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if t.len() == 12 && all_digits(t) {
            Ok(Self(t.to_owned()))
        } else {
            Err(IdError::AdmissionNo(s.to_owned()))
        }
    }

    /// City and district, which is also the office code of where the candidate registered.
    pub fn office_prefix(&self) -> &str {
        &self.0[..4]
    }

    /// The 5-digit admission sequence used in certificate numbers.
    pub fn sequence(&self) -> &str {
        &self.0[7..]
    }
}

text_newtype!(
    /// A citizen ID number under GB 11643-1999, always held in its 18-character form.
    ResidentIdNo
);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECKS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// ISO 7064 MOD 11-2 check character over the first 17 digits (ASCII digits).
pub fn id_check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECKS[(sum % 11) as usize]
}

impl ResidentIdNo {
    /// Accepts the 18-character form (check character verified) or the old
    /// 15-digit form, which is upgraded (身份证号升位) by inserting the century
    /// and appending the check character.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim().to_ascii_uppercase();
        let shape_err = || IdError::IdNoShape(s.to_owned());
        if !t.is_ascii() {
            return Err(shape_err());
        }
        let full = match t.len() {
            18 => {
                let (body, check) = t.split_at(17);
                if !all_digits(body) || !(all_digits(check) || check == "X") {
                    return Err(shape_err());
                }
                let expected = id_check_char(body.as_bytes());
                if !check.starts_with(expected) {
                    return Err(IdError::IdNoCheckDigit {
                        got: s.to_owned(),
                        expected,
                    });
                }
                t
            }
            15 if all_digits(&t) => Self::upgrade_15(&t),
            _ => return Err(shape_err()),
        };
        let id = Self(full);
        if id.birth_date().is_none() {
            return Err(IdError::IdNoBirthDate(s.to_owned()));
        }
        Ok(id)
    }

    fn upgrade_15(old: &str) -> String {
        // Sequences 996–999 were reserved for centenarians, born in the 1800s.
        let century = if old[12..15] >= *"996" { "18" } else { "19" };
        let mut body = String::with_capacity(18);
        body.push_str(&old[..6]);
        body.push_str(century);
        body.push_str(&old[6..]);
        let check = id_check_char(body.as_bytes());
        body.push(check);
        body
    }

    pub fn birth_date(&self) -> Option<Date> {
        let y: i16 = self.0[6..10].parse().ok()?;
        let m: i8 = self.0[10..12].parse().ok()?;
        let d: i8 = self.0[12..14].parse().ok()?;
        if !(1800..=2100).contains(&y) {
            return None;
        }
        Date::new(y, m, d).ok()
    }

    /// GB 11643: an odd sequence number is male, even is female.
    pub fn gender(&self) -> Gender {
        let seq_last = self.0.as_bytes()[16] - b'0';
        if seq_last % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// 证件类型. Only the resident ID follows GB 11643; the rest are checked for shape only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    ResidentId,
    HkMacauPermit,
    TaiwanPermit,
    Passport,
}

impl IdType {
    pub fn as_str(self) -> &'static str {
        match self {
            IdType::ResidentId => "resident_id",
            IdType::HkMacauPermit => "hk_macau_permit",
            IdType::TaiwanPermit => "taiwan_permit",
            IdType::Passport => "passport",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        [
            Self::ResidentId,
            Self::HkMacauPermit,
            Self::TaiwanPermit,
            Self::Passport,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            IdType::ResidentId => "居民身份证",
            IdType::HkMacauPermit => "港澳居民来往内地通行证",
            IdType::TaiwanPermit => "台湾居民来往大陆通行证",
            IdType::Passport => "护照",
        }
    }
}

/// An identity document number of a given type (证件号码).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNo {
    id_type: IdType,
    number: String,
}

impl IdNo {
    pub fn parse(id_type: IdType, s: &str) -> Result<Self, IdError> {
        let number = match id_type {
            IdType::ResidentId => ResidentIdNo::parse(s)?.0,
            _ => {
                let t = s.trim().to_ascii_uppercase();
                let ok = (5..=20).contains(&t.len())
                    && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                if !ok {
                    return Err(IdError::OtherDocument(s.to_owned()));
                }
                t
            }
        };
        Ok(Self { id_type, number })
    }
    pub fn id_type(&self) -> IdType {
        self.id_type
    }
    pub fn as_str(&self) -> &str {
        &self.number
    }
    pub fn resident(&self) -> Option<ResidentIdNo> {
        (self.id_type == IdType::ResidentId).then(|| ResidentIdNo(self.number.clone()))
    }
}

text_newtype!(
    /// 课程代码: five digits, e.g. 05747.
    CourseCode
);

impl CourseCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if t.len() == 5 && all_digits(t) {
            Ok(Self(t.to_owned()))
        } else {
            Err(IdError::CourseCode(s.to_owned()))
        }
    }
}

text_newtype!(
    /// 办理地点代码: city (2) + district (2), e.g. 0201 韶关市区.
    OfficeCode
);

impl OfficeCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if t.len() == 4 && all_digits(t) {
            Ok(Self(t.to_owned()))
        } else {
            Err(IdError::OfficeCode(s.to_owned()))
        }
    }
    pub fn city(&self) -> &str {
        &self.0[..2]
    }
}

fn alnum_code(s: &str, len: std::ops::RangeInclusive<usize>) -> Option<String> {
    let t = s.trim().to_ascii_uppercase();
    (len.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(t)
}

text_newtype!(
    /// 专业代码, e.g. 670202 (new catalogue) or C050207 (older plans).
    MajorCode
);

impl MajorCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        alnum_code(s, 6..=7)
            .map(Self)
            .ok_or_else(|| IdError::MajorCode(s.to_owned()))
    }
}

text_newtype!(
    /// 主考学校代码, e.g. 619.
    SchoolCode
);

impl SchoolCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        alnum_code(s, 1..=6)
            .map(Self)
            .ok_or_else(|| IdError::SchoolCode(s.to_owned()))
    }
}

text_newtype!(
    /// 联系电话: a mainland mobile number, or a landline with its area code.
    PhoneNumber
);

impl PhoneNumber {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t: String = s.trim().chars().filter(|c| *c != ' ').collect();
        let b = t.as_bytes();
        let mobile =
            b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && all_digits(&t);
        let landline = match t.split_once('-') {
            Some((area, local)) => {
                area.starts_with('0')
                    && (3..=4).contains(&area.len())
                    && all_digits(area)
                    && (7..=8).contains(&local.len())
                    && all_digits(local)
            }
            None => false,
        };
        if mobile || landline {
            Ok(Self(t))
        } else {
            Err(IdError::Phone(s.to_owned()))
        }
    }

    /// A mainland mobile number (one that can receive an SMS).
    pub fn is_mobile(&self) -> bool {
        self.0.len() == 11 && !self.0.contains('-')
    }

    /// As shown on a page to someone not yet signed in: `138****2208`.
    pub fn masked(&self) -> String {
        let keep_end = 4.min(self.0.len());
        let keep_start = 3.min(self.0.len() - keep_end);
        let hidden = self.0.len() - keep_start - keep_end;
        format!(
            "{}{}{}",
            &self.0[..keep_start],
            "*".repeat(hidden),
            &self.0[self.0.len() - keep_end..]
        )
    }
}

#[cfg(test)]
mod phone_tests {
    use super::PhoneNumber;

    #[test]
    fn phones_are_masked_and_only_mobiles_receive_codes() {
        let m = PhoneNumber::parse("13609742208").unwrap();
        assert!(m.is_mobile());
        assert_eq!(m.masked(), "136****2208");
        let l = PhoneNumber::parse("0751-8912116").unwrap();
        assert!(!l.is_mobile());
        assert_eq!(l.masked(), "075*****2116");
    }
}

/// 考试年月: the sitting a score was obtained in, `YYYYMM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct Sitting {
    year: i16,
    month: i8,
}

impl Sitting {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        let err = || IdError::Sitting(s.to_owned());
        if t.len() != 6 || !all_digits(t) {
            return Err(err());
        }
        let year: i16 = t[..4].parse().map_err(|_| err())?;
        let month: i8 = t[4..].parse().map_err(|_| err())?;
        if !(1981..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(err());
        }
        Ok(Self { year, month })
    }
    pub fn year(self) -> i16 {
        self.year
    }
    pub fn month(self) -> i8 {
        self.month
    }
}

impl fmt::Display for Sitting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}{:02}", self.year, self.month)
    }
}

impl From<Sitting> for String {
    fn from(s: Sitting) -> String {
        s.to_string()
    }
}

impl<'de> Deserialize<'de> for Sitting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_no_takes_twelve_digits_only() {
        let a = AdmissionNo::parse(" 020123000017 ").unwrap();
        assert_eq!(a.as_str(), "020123000017");
        assert_eq!(a.office_prefix(), "0201");
        assert_eq!(a.sequence(), "00017");
        for bad in [
            "",
            "02012300001",
            "0201230000171",
            "02012300001A",
            "０２０１２３０００００１",
        ] {
            assert!(AdmissionNo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resident_id_check_digit_follows_gb11643() {
        // The standard's own worked example.
        let id = ResidentIdNo::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), Some(jiff::civil::date(1949, 12, 31)));
        assert_eq!(id.gender(), Gender::Female);
        let lower = ResidentIdNo::parse("11010519491231002x").unwrap();
        assert_eq!(lower.as_str(), "11010519491231002X");
        let err = ResidentIdNo::parse("110105194912310021").unwrap_err();
        assert_eq!(
            err,
            IdError::IdNoCheckDigit {
                got: "110105194912310021".into(),
                expected: 'X'
            }
        );
        assert!(err.to_string().contains("校验位"));
    }

    #[test]
    fn resident_id_rejects_impossible_dates_and_shapes() {
        for bad in [
            "440203199902300014",
            "44020319991301001X",
            "4402031999",
            "44020319990101001Y",
        ] {
            assert!(ResidentIdNo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fifteen_digit_ids_are_upgraded() {
        let id = ResidentIdNo::parse("440203850615123").unwrap();
        assert_eq!(&id.as_str()[..17], "44020319850615123");
        assert_eq!(id.as_str().len(), 18);
        // The upgraded number must itself pass the 18-digit check.
        assert_eq!(ResidentIdNo::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.gender(), Gender::Male);
        let old = ResidentIdNo::parse("440203990615997").unwrap();
        assert_eq!(&old.as_str()[6..10], "1899");
    }

    #[test]
    fn other_documents_are_checked_for_shape() {
        assert!(IdNo::parse(IdType::HkMacauPermit, "H12345678").is_ok());
        assert!(IdNo::parse(IdType::Passport, "E1234").is_ok());
        assert!(IdNo::parse(IdType::Passport, "E12").is_err());
        assert!(IdNo::parse(IdType::Passport, "E123 456").is_err());
    }

    #[test]
    fn codes_and_phones() {
        assert!(CourseCode::parse("05747").is_ok());
        assert!(CourseCode::parse("5747").is_err());
        assert_eq!(OfficeCode::parse("0201").unwrap().city(), "02");
        assert!(OfficeCode::parse("201").is_err());
        assert!(MajorCode::parse("670202").is_ok());
        assert_eq!(MajorCode::parse("c050207").unwrap().as_str(), "C050207");
        assert!(MajorCode::parse("6702").is_err());
        assert!(PhoneNumber::parse("13609742208").is_ok());
        assert!(PhoneNumber::parse("0751-8912116").is_ok());
        assert!(PhoneNumber::parse("12609742208").is_err());
        assert!(PhoneNumber::parse("8912116").is_err());
        assert!(Sitting::parse("202304").is_ok());
        assert!(Sitting::parse("202313").is_err());
        assert_eq!(Sitting::parse("202304").unwrap().to_string(), "202304");
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = AdmissionNo::parse(&s);
            let _ = ResidentIdNo::parse(&s);
            let _ = CourseCode::parse(&s);
            let _ = OfficeCode::parse(&s);
            let _ = MajorCode::parse(&s);
            let _ = PhoneNumber::parse(&s);
            let _ = Sitting::parse(&s);
            let _ = IdNo::parse(IdType::Passport, &s);
        }

        #[test]
        fn every_valid_body_gets_a_check_that_parses(
            region in 110000u32..660000, y in 1900i16..2020, m in 1i8..=12, d in 1i8..=28, seq in 0u32..1000
        ) {
            let body = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
            let check = id_check_char(body.as_bytes());
            let full = format!("{body}{check}");
            let id = ResidentIdNo::parse(&full).unwrap();
            proptest::prop_assert_eq!(id.as_str(), full.as_str());
        }
    }
}
