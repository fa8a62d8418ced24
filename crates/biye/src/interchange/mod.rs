//! The import/export format, version 1: JSON Lines.
//!
//! A file starts with a header line naming the format, its version and the kind
//! of record it holds, then one record per line:
//!
//! ```text
//! {"format":"biye","version":1,"kind":"candidates"}
//! {"admission_no":"020123000017","name":"张三","id_no":"440203199901010017",...}
//! ```
//!
//! JSON Lines rather than CSV because plans are trees and because a line is a
//! record whatever it contains (no quoting rules to disagree about). The record
//! types are in `records.rs`; `docs/import-format.md` documents every field.
//! Reading validates every line and collects every error with its line number,
//! in Chinese, so a clerk can fix the whole file in one pass.

pub mod reader;
pub mod records;

use serde::{Deserialize, Serialize};

pub use reader::{read, LineErrors, Parsed, Reader, KEPT_ERRORS};
pub use records::*;

pub const FORMAT: &str = "biye";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Offices,
    Batches,
    Plans,
    Candidates,
    Scores,
    Violations,
    PriorEducation,
    Qualifications,
    Certificates,
    SubstitutionRules,
    ExemptionRules,
    Prework,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Offices => "offices",
            Kind::Batches => "batches",
            Kind::Plans => "plans",
            Kind::Candidates => "candidates",
            Kind::Scores => "scores",
            Kind::Violations => "violations",
            Kind::PriorEducation => "prior_education",
            Kind::Qualifications => "qualifications",
            Kind::Certificates => "certificates",
            Kind::SubstitutionRules => "substitution_rules",
            Kind::ExemptionRules => "exemption_rules",
            Kind::Prework => "prework",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Offices => "办理地点",
            Kind::Batches => "批次",
            Kind::Plans => "考试计划",
            Kind::Candidates => "考生",
            Kind::Scores => "成绩",
            Kind::Violations => "违规记录",
            Kind::PriorEducation => "前置学历",
            Kind::Qualifications => "证书",
            Kind::Certificates => "已发毕业证书",
            Kind::SubstitutionRules => "顶替规则",
            Kind::ExemptionRules => "免考规则",
            Kind::Prework => "转考、免考、考籍更正",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub kind: Kind,
}

/// The records of one file, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Records {
    Offices(Vec<OfficeRecord>),
    Batches(Vec<BatchRecord>),
    Plans(Vec<crate::domain::plan::Plan>),
    Candidates(Vec<crate::domain::candidate::CandidateProfile>),
    Scores(Vec<ScoreRecord>),
    Violations(Vec<ViolationRecord>),
    PriorEducation(Vec<PriorEducationRecord>),
    Qualifications(Vec<QualificationRecord>),
    Certificates(Vec<CertificateRecord>),
    SubstitutionRules(Vec<SubstitutionRuleRecord>),
    ExemptionRules(Vec<ExemptionRuleRecord>),
    Prework(Vec<PreworkRecord>),
}

/// Applies `$body` to the vector inside any `Records`.
macro_rules! each {
    ($records:expr, $v:ident => $body:expr) => {
        match $records {
            Records::Offices($v) => $body,
            Records::Batches($v) => $body,
            Records::Plans($v) => $body,
            Records::Candidates($v) => $body,
            Records::Scores($v) => $body,
            Records::Violations($v) => $body,
            Records::PriorEducation($v) => $body,
            Records::Qualifications($v) => $body,
            Records::Certificates($v) => $body,
            Records::SubstitutionRules($v) => $body,
            Records::ExemptionRules($v) => $body,
            Records::Prework($v) => $body,
        }
    };
}

impl Records {
    /// No records of a kind.
    pub fn empty(kind: Kind) -> Self {
        match kind {
            Kind::Offices => Records::Offices(Vec::new()),
            Kind::Batches => Records::Batches(Vec::new()),
            Kind::Plans => Records::Plans(Vec::new()),
            Kind::Candidates => Records::Candidates(Vec::new()),
            Kind::Scores => Records::Scores(Vec::new()),
            Kind::Violations => Records::Violations(Vec::new()),
            Kind::PriorEducation => Records::PriorEducation(Vec::new()),
            Kind::Qualifications => Records::Qualifications(Vec::new()),
            Kind::Certificates => Records::Certificates(Vec::new()),
            Kind::SubstitutionRules => Records::SubstitutionRules(Vec::new()),
            Kind::ExemptionRules => Records::ExemptionRules(Vec::new()),
            Kind::Prework => Records::Prework(Vec::new()),
        }
    }
    /// Keeps the first `n` records.
    pub fn truncate(&mut self, n: usize) {
        each!(self, v => v.truncate(n))
    }
    pub fn kind(&self) -> Kind {
        match self {
            Records::Offices(_) => Kind::Offices,
            Records::Batches(_) => Kind::Batches,
            Records::Plans(_) => Kind::Plans,
            Records::Candidates(_) => Kind::Candidates,
            Records::Scores(_) => Kind::Scores,
            Records::Violations(_) => Kind::Violations,
            Records::PriorEducation(_) => Kind::PriorEducation,
            Records::Qualifications(_) => Kind::Qualifications,
            Records::Certificates(_) => Kind::Certificates,
            Records::SubstitutionRules(_) => Kind::SubstitutionRules,
            Records::ExemptionRules(_) => Kind::ExemptionRules,
            Records::Prework(_) => Kind::Prework,
        }
    }
    pub fn len(&self) -> usize {
        each!(self, v => v.len())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One problem in a file: where and what, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行：{}", self.line, self.message)
    }
}

/// Files larger than this are refused before reading; the province's largest
/// transcript export is far below it.
pub const MAX_LINE_BYTES: usize = 1 << 20;

fn parse_header(text: &str) -> Result<Header, String> {
    let h: Header = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("文件头无效（应形如 {{\"format\":\"biye\",\"version\":1,\"kind\":\"candidates\"}}）：{}", zh_json_error(&e.to_string())))?;
    if h.format != FORMAT {
        return Err(format!(
            "文件头的 format 应为 \"{FORMAT}\"，收到 \"{}\"",
            h.format
        ));
    }
    if h.version != VERSION {
        return Err(format!(
            "不支持的格式版本 {}（本程序支持版本 {VERSION}）",
            h.version
        ));
    }
    Ok(h)
}

/// serde's messages are English; the people reading ours are not.
pub fn zh_json_error(msg: &str) -> String {
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    let between = |s: &str| s.split('`').nth(1).unwrap_or_default().to_owned();
    if msg.starts_with("missing field") {
        format!("缺少字段“{}”", between(msg))
    } else if msg.starts_with("unknown field") {
        format!("未知字段“{}”", between(msg))
    } else if msg.starts_with("unknown variant") {
        let allowed = msg
            .split("expected ")
            .nth(1)
            .unwrap_or_default()
            .replace('`', "");
        format!(
            "取值“{}”无效，应为：{}",
            between(msg),
            allowed.replace("one of ", "")
        )
    } else if msg.starts_with("invalid type") {
        let expected = msg.split("expected ").nth(1).unwrap_or_default();
        format!("类型错误（应为 {expected}）")
    } else if msg.starts_with("invalid value") || msg.starts_with("invalid length") {
        format!("取值无效（{msg}）")
    } else if msg.starts_with("EOF")
        || msg.starts_with("expected")
        || msg.starts_with("trailing")
        || msg.starts_with("key must")
    {
        "不是有效的 JSON 对象（请检查引号、逗号和括号）".to_owned()
    } else if msg.starts_with("duplicate field") {
        format!("字段“{}”重复出现", between(msg))
    } else {
        msg.to_owned()
    }
}

/// Deserializes one line, naming the field a message is about.
pub(crate) fn from_line<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = zh_json_error(&e.into_inner().to_string());
        if path == "."
            || path.is_empty()
            || inner.starts_with("缺少字段")
            || inner.starts_with("未知字段")
        {
            inner
        } else {
            format!("字段 {path}：{inner}")
        }
    })?;
    de.end().map_err(|e| zh_json_error(&e.to_string()))?;
    Ok(value)
}

/// Writes a file of this format.
pub fn write_header(out: &mut impl std::io::Write, kind: Kind) -> std::io::Result<()> {
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        kind,
    };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")
}

pub fn write_record<T: Serialize>(
    out: &mut impl std::io::Write,
    record: &T,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")
}

/// Writes every record of `records`, one line each (after a header).
pub fn write_records(out: &mut impl std::io::Write, records: &Records) -> std::io::Result<()> {
    each!(records, v => v.iter().try_for_each(|r| write_record(out, r)))
}
