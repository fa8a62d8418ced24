//! 前置学历 for 本科 applicants (二、（二）): the notice's five ways of
//! registering a prior education, what each must carry, and the two
//! deadlines — registration before `prior_education_due` (6 月 1 日), and for
//! fresh graduates the diploma number before `prior_education_supplement_due`
//! (7 月 3 日), after which the application counts as withdrawn.

use jiff::civil::{Date, DateTime};

use super::batch::Batch;
use super::AdmissionNo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorKind {
    /// 学信网《教育部学历证书电子注册备案表》
    ChsiRecord,
    /// 《中国高等教育学历认证报告》
    CdgdcReport,
    /// 教育部留学服务中心《国外学历学位认证书》
    CscseForeign,
    /// 同时办理自考专科和本科毕业
    SelfStudyAssociate,
    /// 普通高校全日制应届毕业生, diploma to follow
    PendingFreshGraduate,
}

impl PriorKind {
    pub const ALL: [PriorKind; 5] = [
        Self::ChsiRecord,
        Self::CdgdcReport,
        Self::CscseForeign,
        Self::SelfStudyAssociate,
        Self::PendingFreshGraduate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChsiRecord => "chsi_record",
            Self::CdgdcReport => "cdgdc_report",
            Self::CscseForeign => "cscse_foreign",
            Self::SelfStudyAssociate => "self_study_associate",
            Self::PendingFreshGraduate => "pending_fresh_graduate",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::ChsiRecord => "学信网《教育部学历证书电子注册备案表》",
            Self::CdgdcReport => "《中国高等教育学历认证报告》",
            Self::CscseForeign => "《国外学历学位认证书》",
            Self::SelfStudyAssociate => "同时办理自考专科和本科毕业（登记专科准考证号）",
            Self::PendingFreshGraduate => "普通高校全日制应届毕业生（暂未取得毕业证）",
        }
    }
    /// What the verification number is called for this kind, if it has one.
    pub fn code_label(self) -> Option<&'static str> {
        match self {
            Self::ChsiRecord => Some("备案表在线验证码"),
            Self::CdgdcReport => Some("认证报告编号"),
            Self::CscseForeign => Some("认证书编号"),
            _ => None,
        }
    }
}

/// What the candidate typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PriorForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub major: String,
    #[serde(default)]
    pub graduated_on: String,
    #[serde(default)]
    pub diploma_no: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub associate_admission_no: String,
    /// "yes" when the prior major is the same as or close to the 本科 major.
    #[serde(default)]
    pub related: String,
}

/// A registration that passed the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorRegistration {
    pub kind: PriorKind,
    pub category: &'static str,
    pub school: String,
    pub major: String,
    pub graduated_on: Option<Date>,
    pub diploma_no: String,
    pub code: String,
    pub associate_admission_no: Option<AdmissionNo>,
}

fn text(field: &str, s: &str, required: bool) -> Result<String, String> {
    let t = super::candidate::check_text(field, s, 60)?;
    if required && t.is_empty() {
        return Err(format!("请填写{field}"));
    }
    Ok(t)
}

fn number(field: &str, s: &str, required: bool) -> Result<String, String> {
    let t: String = s.trim().to_ascii_uppercase();
    if t.is_empty() {
        return if required {
            Err(format!("请填写{field}"))
        } else {
            Ok(t)
        };
    }
    let ok =
        (4..=40).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok {
        return Err(format!("{field}应为 4–40 位字母或数字"));
    }
    Ok(t)
}

/// Checks a registration against the rules of its kind.
pub fn parse(f: &PriorForm) -> Result<PriorRegistration, String> {
    let kind = PriorKind::from_db(&f.kind).ok_or("请选择学历认证方式")?;
    let fresh = kind == PriorKind::PendingFreshGraduate;
    let associate = kind == PriorKind::SelfStudyAssociate;
    let graduated_on = match f.graduated_on.trim() {
        "" if fresh || associate => None,
        "" => return Err("请填写毕业日期".into()),
        d => Some(
            d.parse::<Date>()
                .map_err(|_| "毕业日期格式应为 年-月-日，如 2019-06-30".to_owned())?,
        ),
    };
    let associate_admission_no = if associate {
        Some(
            AdmissionNo::parse(&f.associate_admission_no)
                .map_err(|_| "专科准考证号应为 12 位数字".to_owned())?,
        )
    } else {
        None
    };
    Ok(PriorRegistration {
        kind,
        category: if f.related == "yes" {
            "related"
        } else {
            "unrelated"
        },
        school: text("毕业学校", &f.school, !associate)?,
        major: text("毕业专业", &f.major, !associate)?,
        graduated_on,
        diploma_no: number(
            "毕业证书编号",
            &f.diploma_no,
            !(fresh || associate || kind == PriorKind::CscseForeign),
        )?,
        code: number(
            kind.code_label().unwrap_or("验证码"),
            &f.code,
            kind.code_label().is_some(),
        )?,
        associate_admission_no,
    })
}

/// Whether a prior education may be registered (or changed) now.
pub fn registration_open(b: &Batch, now: DateTime) -> bool {
    now < b.prior_education_due
}

/// Whether a fresh graduate may still fill in the diploma number.
pub fn fill_in_open(b: &Batch, now: DateTime) -> bool {
    now < b.prior_education_supplement_due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str) -> PriorForm {
        PriorForm {
            kind: kind.into(),
            school: "韶关学院".into(),
            major: "商务英语".into(),
            graduated_on: "2019-06-30".into(),
            diploma_no: "105761201905001234".into(),
            code: "ABCD1234EFGH5678".into(),
            associate_admission_no: String::new(),
            related: "yes".into(),
        }
    }

    #[test]
    fn each_kind_needs_its_own_fields() {
        let ok = parse(&form("chsi_record")).unwrap();
        assert_eq!((ok.kind, ok.category), (PriorKind::ChsiRecord, "related"));
        let no_code = PriorForm {
            code: String::new(),
            ..form("chsi_record")
        };
        assert_eq!(parse(&no_code).unwrap_err(), "请填写备案表在线验证码");
        // A fresh graduate may leave diploma number and date empty.
        let fresh = PriorForm {
            diploma_no: String::new(),
            graduated_on: String::new(),
            code: String::new(),
            ..form("pending_fresh_graduate")
        };
        assert!(parse(&fresh).is_ok());
        let associate = PriorForm {
            associate_admission_no: "0201181".into(),
            ..form("self_study_associate")
        };
        assert_eq!(parse(&associate).unwrap_err(), "专科准考证号应为 12 位数字");
        assert!(parse(&PriorForm {
            kind: "x".into(),
            ..form("x")
        })
        .is_err());
        let bad_date = PriorForm {
            graduated_on: "2019/6/30".into(),
            ..form("cdgdc_report")
        };
        assert!(parse(&bad_date).unwrap_err().contains("毕业日期格式"));
    }
}
