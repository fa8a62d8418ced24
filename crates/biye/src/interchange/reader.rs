//! Reading an import file in one pass and in chunks, so that a province's
//! two million scores never sit in memory at once: the importer parses a chunk,
//! checks its references and writes it, then reads the next.
//!
//! Every line is still validated and every error kept with its line number
//! (up to [`KEPT_ERRORS`], with the total counted), and a key seen twice
//! anywhere in the file is refused: the keys seen are remembered as 128-bit
//! fingerprints (24 bytes a line), not as strings.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Read as _};

use super::records::*;
use super::{from_line, parse_header, Kind, LineError, Records, MAX_LINE_BYTES};
use crate::domain::candidate::check_text;
use crate::domain::plan::Plan;
use crate::domain::Window;

/// At most this many errors are kept, in line order of discovery; the rest
/// are counted. A clerk reads the first fifty, and a file of two million bad
/// lines must not hold two million messages.
pub const KEPT_ERRORS: usize = 1000;

/// A file's errors: the first [`KEPT_ERRORS`] and how many there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineErrors {
    /// Sorted by line once the file has been read.
    pub list: Vec<LineError>,
    pub total: usize,
}

impl LineErrors {
    pub fn push(&mut self, e: LineError) {
        self.total += 1;
        if self.list.len() < KEPT_ERRORS {
            self.list.push(e);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
    /// Adds another list's errors (and its count of those not kept).
    pub fn merge(&mut self, other: LineErrors) {
        let unkept = other.total - other.list.len();
        other.list.into_iter().for_each(|e| self.push(e));
        self.total += unkept;
    }
    pub fn sorted(mut self) -> Self {
        self.list.sort_by_key(|e| e.line);
        self
    }
}

impl From<Vec<LineError>> for LineErrors {
    fn from(list: Vec<LineError>) -> Self {
        let mut out = LineErrors::default();
        list.into_iter().for_each(|e| out.push(e));
        out.sorted()
    }
}

/// A chunk of records and, for each, the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub records: Records,
    pub lines: Vec<usize>,
}

/// Reads a file's records a chunk at a time.
pub struct Reader<R> {
    lines: LineReader<R>,
    kind: Kind,
    seen: HashMap<[u64; 2], u32>,
    errors: LineErrors,
    ended: bool,
}

impl<R: BufRead> Reader<R> {
    /// Reads the header; a file without a valid one is refused at once.
    pub fn open(input: R) -> Result<Self, LineErrors> {
        let mut lines = LineReader {
            input,
            line: 0,
            consumed: 0,
        };
        let refuse = |line, message| Err(vec![LineError { line, message }].into());
        let kind = match lines.next_line() {
            Ok(Some(text)) => match parse_header(&text) {
                Ok(h) => h.kind,
                Err(m) => return refuse(1, m),
            },
            Ok(None) => return refuse(1, "文件为空，缺少文件头".into()),
            Err(e) => return refuse(e.line, e.message),
        };
        Ok(Self {
            lines,
            kind,
            seen: HashMap::new(),
            errors: LineErrors::default(),
            ended: false,
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Bytes read so far (for a progress bar).
    pub fn consumed(&self) -> u64 {
        self.lines.consumed
    }

    /// Whether any line so far was refused (the importer then stops writing).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Errors found by the caller in this file's records (unknown references).
    pub fn reject(&mut self, e: LineError) {
        self.errors.push(e);
    }

    /// The next chunk of at most `max` valid records, or `None` at the end.
    /// Invalid lines are left out of the chunk and kept as errors.
    pub fn next_chunk(&mut self, max: usize) -> Option<Parsed> {
        if self.ended {
            return None;
        }
        let mut chunk = Parsed {
            records: Records::empty(self.kind),
            lines: Vec::new(),
        };
        while chunk.lines.len() < max {
            let text = match self.lines.next_line() {
                Ok(Some(t)) => t,
                Ok(None) => {
                    self.ended = true;
                    break;
                }
                Err(e) => {
                    self.errors.push(e);
                    self.ended = true;
                    break;
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            let line = self.lines.line;
            match parse_into(&mut chunk.records, &text).and_then(|key| self.first_time(line, &key))
            {
                Ok(()) => chunk.lines.push(line),
                Err(message) => {
                    chunk.records.truncate(chunk.lines.len());
                    self.errors.push(LineError { line, message });
                }
            }
        }
        (!chunk.lines.is_empty() || !self.ended).then_some(chunk)
    }

    /// The errors of the whole file, sorted by line; empty when it is valid.
    pub fn finish(self) -> LineErrors {
        self.errors.sorted()
    }

    fn first_time(&mut self, line: usize, key: &str) -> Result<(), String> {
        let fingerprint = [fingerprint(0, key), fingerprint(1, key)];
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        match self.seen.entry(fingerprint) {
            std::collections::hash_map::Entry::Occupied(first) => {
                Err(format!("与第 {} 行重复（{key}）", first.get()))
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(line);
                Ok(())
            }
        }
    }
}

/// Two independent 64-bit hashes of a key: a false "duplicate" among two
/// million keys has a chance of about 2^-87.
fn fingerprint(salt: u8, key: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    salt.hash(&mut h);
    key.hash(&mut h);
    h.finish()
}

/// Reads a whole file into memory, as one chunk (tests and fuzzing; imports
/// read in chunks through [`Reader`]).
pub fn read(input: impl BufRead) -> Result<Parsed, Vec<LineError>> {
    let mut reader = Reader::open(input).map_err(|e| e.list)?;
    let all = reader.next_chunk(usize::MAX).unwrap_or_else(|| Parsed {
        records: Records::empty(reader.kind),
        lines: Vec::new(),
    });
    let errors = reader.finish();
    if errors.is_empty() {
        Ok(all)
    } else {
        Err(errors.list)
    }
}

/// Parses one line into `records` and returns its natural key.
fn parse_into(records: &mut Records, text: &str) -> Result<String, String> {
    let key = match records {
        Records::Offices(v) => {
            let r: OfficeRecord = from_line(text)?;
            check_text("名称", &r.name, 50)?;
            let k = r.code.to_string();
            v.push(r);
            k
        }
        Records::Batches(v) => {
            let r: BatchRecord = from_line(text)?;
            Window::new(r.application_opens, r.application_closes).map_err(|e| e.to_string())?;
            for s in &r.onsite_sessions {
                Window::new(s.opens, s.closes).map_err(|e| e.to_string())?;
            }
            let k = r.code.to_string();
            v.push(r);
            k
        }
        Records::Plans(v) => {
            let p: Plan = from_line(text)?;
            p.check().map_err(|e| e.to_string())?;
            let k = format!(
                "{} {} {} v{}",
                p.major_code, p.examining_school_code, p.course_group, p.version
            );
            v.push(p);
            k
        }
        Records::Candidates(v) => {
            let r: CandidateRecord = from_line(text)?;
            let p = r.into_profile()?;
            let k = p.admission_no.to_string();
            v.push(p);
            k
        }
        Records::Scores(v) => {
            let r: ScoreRecord = from_line(text)?;
            r.mark()?;
            let k = format!(
                "{} {} {} {}",
                r.admission_no,
                r.course_code,
                r.sitting,
                r.obtained_by.as_str()
            );
            v.push(r);
            k
        }
        Records::Violations(v) => {
            let r: ViolationRecord = from_line(text)?;
            check_text("违规描述", &r.description, 200)?;
            let k = format!("{} {} {}", r.admission_no, r.sitting, r.description);
            v.push(r);
            k
        }
        Records::PriorEducation(v) => {
            let r: PriorEducationRecord = from_line(text)?;
            if r.verification == Verification::SelfStudyAssociate
                && r.associate_admission_no.is_none()
            {
                return Err(
                    "同时办理专科和本科毕业须填写 associate_admission_no（专科准考证号）".into(),
                );
            }
            let k = r.admission_no.to_string();
            v.push(r);
            k
        }
        Records::Qualifications(v) => {
            let r: QualificationRecord = from_line(text)?;
            let k = format!("{} {} {}", r.admission_no, r.kind, r.title);
            v.push(r);
            k
        }
        Records::Certificates(v) => {
            let r: CertificateRecord = from_line(text)?;
            if r.certificate_no.len() != 17 || !r.certificate_no.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(format!(
                    "毕业证书编号应为 17 位数字，收到“{}”",
                    r.certificate_no
                ));
            }
            let k = r.certificate_no.clone();
            v.push(r);
            k
        }
        Records::SubstitutionRules(v) => {
            let r: SubstitutionRuleRecord = from_line(text)?;
            if r.old_codes.is_empty() {
                return Err("old_codes（被顶替课程）不能为空".into());
            }
            if r.valid_to.is_some_and(|to| to < r.valid_from) {
                return Err("valid_to（截止日期）早于 valid_from（起始日期）".into());
            }
            let k = format!(
                "{} {} {}",
                join_codes(&r.old_codes),
                r.new_code,
                r.valid_from
            );
            v.push(r);
            k
        }
        Records::ExemptionRules(v) => {
            let r: ExemptionRuleRecord = from_line(text)?;
            check_text("证书", &r.certificate, 50)?;
            if r.certificate.trim().is_empty() || r.course_codes.is_empty() {
                return Err("须填写 certificate（证书）和 course_codes（免考课程）".into());
            }
            let k = format!("{} {}", r.certificate, join_codes(&r.course_codes));
            v.push(r);
            k
        }
        Records::Prework(v) => {
            let r: PreworkRecord = from_line(text)?;
            r.check()?;
            let k = r.key();
            v.push(r);
            k
        }
    };
    Ok(key)
}

struct LineReader<R> {
    input: R,
    line: usize,
    consumed: u64,
}

impl<R: BufRead> LineReader<R> {
    fn next_line(&mut self) -> Result<Option<String>, LineError> {
        let mut buf = Vec::new();
        let n = (&mut self.input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| LineError {
                line: self.line + 1,
                message: format!("读取失败：{e}"),
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        self.consumed += n as u64;
        if buf.len() > MAX_LINE_BYTES {
            return Err(LineError {
                line: self.line,
                message: "本行超过 1 MiB，文件可能已损坏".into(),
            });
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        String::from_utf8(buf).map(Some).map_err(|_| LineError {
            line: self.line,
            message: "不是 UTF-8 编码（请另存为 UTF-8）".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_past_the_kept_ones_are_counted_not_kept() {
        let mut text = String::from("{\"format\":\"biye\",\"version\":1,\"kind\":\"offices\"}\n");
        for _ in 0..KEPT_ERRORS + 500 {
            text.push_str("not json\n");
        }
        let mut reader = Reader::open(text.as_bytes()).unwrap();
        while reader.next_chunk(100).is_some() {}
        let errors = reader.finish();
        assert_eq!(errors.total, KEPT_ERRORS + 500);
        assert_eq!(errors.list.len(), KEPT_ERRORS);
        assert_eq!(errors.list[0].line, 2);
    }

    #[test]
    fn chunks_hold_only_valid_lines_with_their_line_numbers() {
        let text = concat!(
            "{\"format\":\"biye\",\"version\":1,\"kind\":\"offices\"}\n",
            "{\"code\":\"0201\",\"name\":\"韶关市区\"}\n",
            "\n",
            "{\"code\":\"0202\"}\n",
            "{\"code\":\"0203\",\"name\":\"南雄市\"}\n",
            "{\"code\":\"0201\",\"name\":\"韶关市区\"}\n",
        );
        let mut reader = Reader::open(text.as_bytes()).unwrap();
        let first = reader.next_chunk(1).unwrap();
        assert_eq!(first.lines, [2]);
        let second = reader.next_chunk(1).unwrap();
        assert_eq!(
            (second.lines.as_slice(), second.records.len()),
            (&[5][..], 1)
        );
        assert!(reader.has_errors());
        assert!(reader.next_chunk(1).is_none());
        let errors = reader.finish();
        let lines: Vec<usize> = errors.list.iter().map(|e| e.line).collect();
        assert_eq!(lines, [4, 6]);
        assert!(errors.list[1].message.contains("与第 2 行重复"));
    }
}
