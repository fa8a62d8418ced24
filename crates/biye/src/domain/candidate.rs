//! 考籍: a candidate's identity and the record fields the registration form prints.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{AdmissionNo, Gender, IdNo, MajorCode, OfficeCode, SchoolCode};

/// Names are printed on a certificate: bounded, no control characters, no
/// leading or trailing space. Rare characters (outside GB 2312, outside the BMP)
/// are fine.
pub fn check_person_name(s: &str) -> Result<String, String> {
    let t = s.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err("姓名不能为空".into());
    }
    if n > 30 {
        return Err(format!("姓名过长（{n} 个字符，最多 30 个）"));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err("姓名含有控制字符".into());
    }
    Ok(t.to_owned())
}

/// Free text fields (address, employer …): bounded and printable.
pub fn check_text(field: &str, s: &str, max: usize) -> Result<String, String> {
    let t = s.trim();
    let n = t.chars().count();
    if n > max {
        return Err(format!("{field}过长（{n} 个字符，最多 {max} 个）"));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(format!("{field}含有控制字符"));
    }
    Ok(t.to_owned())
}

/// An ID number as shown where it need not be whole: a resident ID keeps its
/// region and last four (`440203********0010`), a short permit number two at
/// each end.
pub fn mask_id_no(id: &str) -> String {
    let n = id.chars().count();
    let (start, end) = if n >= 15 { (6, 4) } else { (2, 2) };
    if n <= start + end {
        return "*".repeat(n);
    }
    id.chars()
        .enumerate()
        .map(|(i, c)| if i < start || i >= n - end { c } else { '*' })
        .collect()
}

/// The identity and record of a candidate as held in the exam system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateProfile {
    pub admission_no: AdmissionNo,
    pub name: String,
    pub gender: Gender,
    pub id_type: super::IdType,
    pub id_no: String,
    pub birth_date: Date,
    pub ethnicity: String,
    pub political_status: String,
    pub native_place: String,
    pub education_level: String,
    pub occupation: String,
    pub employer: String,
    pub phone: String,
    pub address: String,
    pub office_code: Option<OfficeCode>,
    pub major_code: Option<MajorCode>,
    pub examining_school_code: Option<SchoolCode>,
    pub course_group: String,
}

impl CandidateProfile {
    /// The document number, re-parsed (it was valid when stored).
    pub fn id(&self) -> Option<IdNo> {
        IdNo::parse(self.id_type, &self.id_no).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_person_name(" 陈𠇔 ").unwrap(), "陈𠇔");
        assert!(check_person_name("").is_err());
        assert!(check_person_name("张\u{0}三").is_err());
        assert!(check_person_name(&"很".repeat(31)).is_err());
        assert!(check_person_name(&"很".repeat(20)).is_ok());
    }
}
