//! 考籍信息更正: what a candidate may ask to correct, and what a valid new
//! value is. Corrections are reviewed by the city and then the provincial
//! office; one counts for a batch only if completed before its pre-work
//! deadline (5 月 1 日), which the audit already applies.

use super::candidate::{check_person_name, CandidateProfile};
use super::{Gender, IdType, ResidentIdNo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    IdNo,
    /// 身份证号升位: an old 15-digit number becomes 18 digits.
    IdUpgrade,
    Gender,
    BirthDate,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Name,
        Field::IdNo,
        Field::IdUpgrade,
        Field::Gender,
        Field::BirthDate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdNo => "id_no",
            Field::IdUpgrade => "id_upgrade",
            Field::Gender => "gender",
            Field::BirthDate => "birth_date",
        }
    }
    pub fn from_db(s: &str) -> Option<Field> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::IdNo => "身份证号码",
            Field::IdUpgrade => "身份证号升位（15 位升 18 位）",
            Field::Gender => "性别",
            Field::BirthDate => "出生日期",
        }
    }
    /// The value held now, as the correction records it.
    pub fn current(self, c: &CandidateProfile) -> String {
        match self {
            Field::Name => c.name.clone(),
            Field::IdNo | Field::IdUpgrade => c.id_no.clone(),
            Field::Gender => c.gender.as_str().to_owned(),
            Field::BirthDate => c.birth_date.to_string(),
        }
    }
}

/// Checks a requested new value against the field and the record; returns it
/// in the form stored.
pub fn new_value(field: Field, c: &CandidateProfile, typed: &str) -> Result<String, String> {
    let t = typed.trim();
    let value = match field {
        Field::Name => check_person_name(t)?,
        Field::IdNo => {
            if c.id_type == IdType::ResidentId {
                ResidentIdNo::parse(t)
                    .map_err(|e| e.to_string())?
                    .to_string()
            } else {
                super::IdNo::parse(c.id_type, t)
                    .map_err(|e| e.to_string())?
                    .as_str()
                    .to_owned()
            }
        }
        Field::IdUpgrade => {
            if c.id_no.len() != 15 {
                return Err(
                    "考籍中的身份证号码已是 18 位，无需升位；号码有误请选择“身份证号码”".into(),
                );
            }
            let id = ResidentIdNo::parse(t).map_err(|e| e.to_string())?;
            let upgraded = ResidentIdNo::parse(&c.id_no).map_err(|e| e.to_string())?;
            if id != upgraded {
                return Err("18 位号码与原 15 位号码不对应，请核对身份证".into());
            }
            id.to_string()
        }
        Field::Gender => match t {
            "male" | "男" => Gender::Male.as_str().to_owned(),
            "female" | "女" => Gender::Female.as_str().to_owned(),
            _ => return Err("性别应为“男”或“女”".into()),
        },
        Field::BirthDate => t
            .parse::<jiff::civil::Date>()
            .map_err(|_| "出生日期格式应为 年-月-日，如 1990-01-31".to_owned())?
            .to_string(),
    };
    if value == field.current(c) {
        return Err(format!("新的{}与考籍中的相同，无需更正", field.label()));
    }
    Ok(value)
}
