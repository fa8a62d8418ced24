//! 《广东省高等教育自学考试毕业生登记表》: form data in, a two-page A4 PDF out.
//!
//! The layout is a Typst template (`templates/registration.typ`) compiled by
//! the `typst` crate as a library; the data reaches it as JSON through a fixed
//! virtual file, so no name or address is ever parsed as markup. Fonts ship
//! with the crate (see `fonts/README.md`); every character is checked against
//! them first, so a name no font can show is an error, not an empty box.
//!
//! A [`Renderer`] holds the parsed fonts and Typst's library; create one and
//! share it (it is `Send + Sync`). Typst's memoisation makes warm renders a
//! few milliseconds; [`Renderer::render`] evicts cache entries unused for a
//! few renders so memory stays bounded in a long-running server.

#[doc(hidden)]
pub mod fuzzing;
mod qr;
mod world;

use serde::Serialize;

pub use world::Renderer;

/// A QR code as SVG (medium error correction), e.g. for the phone capture link.
pub fn qr_svg(payload: &str) -> Result<String, FormError> {
    qr::svg(payload)
}

/// One course the audit counted, as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CourseLine {
    pub code: String,
    pub name: String,
    /// Empty for the thesis, which carries no credits.
    pub credits: String,
    pub mark: String,
    /// YYYYMM.
    pub sitting: String,
    /// 考试 / 免考 / 顶替 / 转入.
    pub obtained_by: String,
}

/// Everything printed on the form. Text fields are shown exactly as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FormData {
    /// 登记表类型, e.g. 非公开学院.
    pub form_type: String,
    /// e.g. 2023 年上半年.
    pub batch: String,
    pub admission_no: String,
    pub name: String,
    pub gender: String,
    pub ethnicity: String,
    pub id_no: String,
    pub birth_date: String,
    pub native_place: String,
    pub political_status: String,
    pub education_level: String,
    pub occupation: String,
    pub employer: String,
    pub phone: String,
    pub address: String,
    /// e.g. 670202 商务英语.
    pub major: String,
    /// 专科 / 本科.
    pub level: String,
    pub examining_school: String,
    /// e.g. 韶关市区（0201）.
    pub office: String,
    pub courses: Vec<CourseLine>,
    pub total_credits: String,
    pub printed_at: String,
    /// A short code printed under the QR code for typing in by hand.
    pub reference: String,
    /// The 480×640 certificate photo (JPEG), when accepted.
    #[serde(skip)]
    pub photo_jpeg: Option<Vec<u8>>,
    /// What the QR code carries (a signed lookup URL for the office).
    #[serde(skip)]
    pub qr_payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A character no bundled font can draw: the form would show a box.
    #[error(
        "“{field}”中的字符“{ch}”（U+{code:04X}）无法打印：系统字库中没有该字。请联系考办人工处理"
    )]
    MissingGlyph {
        field: &'static str,
        ch: char,
        code: u32,
    },
    #[error("“{field}”中含有不可打印的控制字符")]
    ControlCharacter { field: &'static str },
    #[error("照片不是有效的 JPEG 文件")]
    Photo,
    #[error("二维码内容过长，无法生成")]
    QrCode,
    #[error("登记表排版失败：{0}")]
    Layout(String),
    #[error("字体加载失败")]
    Fonts,
}

impl FormData {
    /// Every text value the form prints.
    pub fn printed_texts(&self) -> Vec<&str> {
        self.texts().into_iter().map(|(_, t)| t).collect()
    }

    /// The text fields with the name a message shows for each.
    pub(crate) fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![
            ("登记表类型", self.form_type.as_str()),
            ("批次", &self.batch),
            ("准考证号", &self.admission_no),
            ("姓名", &self.name),
            ("性别", &self.gender),
            ("民族", &self.ethnicity),
            ("证件号码", &self.id_no),
            ("出生日期", &self.birth_date),
            ("籍贯", &self.native_place),
            ("政治面貌", &self.political_status),
            ("最后学历", &self.education_level),
            ("职业", &self.occupation),
            ("工作单位", &self.employer),
            ("联系电话", &self.phone),
            ("通讯地址", &self.address),
            ("专业", &self.major),
            ("层次", &self.level),
            ("主考学校", &self.examining_school),
            ("办理地点", &self.office),
            ("合计学分", &self.total_credits),
            ("打印时间", &self.printed_at),
            ("校验码", &self.reference),
        ];
        for c in &self.courses {
            for t in [
                &c.code,
                &c.name,
                &c.credits,
                &c.mark,
                &c.sitting,
                &c.obtained_by,
            ] {
                out.push(("课程", t.as_str()));
            }
        }
        out
    }
}
