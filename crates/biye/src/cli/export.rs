//! `biye export --kind candidates --out FILE`: records in the import format, so
//! that an export imports back unchanged.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::interchange::{self, Kind, Records};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to export.
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let records = match args.kind {
        Kind::Candidates => Records::Candidates(crate::db::candidates::all(db.pool()).await?),
        Kind::Plans => Records::Plans(
            crate::db::plans::all(db.pool())
                .await?
                .into_iter()
                .map(|(_, p)| p)
                .collect(),
        ),
        other => anyhow::bail!(
            "暂不支持导出“{}”，可导出：candidates、plans",
            other.as_str()
        ),
    };
    let text = to_jsonl(&records)?;
    match &args.out {
        Some(path) => std::fs::write(path, text)?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    eprintln!(
        "已导出 {} 条{}记录。",
        records.len(),
        records.kind().label()
    );
    Ok(ExitCode::SUCCESS)
}

/// Serialises records with their header.
pub fn to_jsonl(records: &Records) -> std::io::Result<String> {
    let mut out = Vec::new();
    interchange::write_header(&mut out, records.kind())?;
    fn all<T: serde::Serialize>(out: &mut Vec<u8>, v: &[T]) -> std::io::Result<()> {
        v.iter().try_for_each(|r| interchange::write_record(out, r))
    }
    match records {
        Records::Offices(v) => all(&mut out, v)?,
        Records::Batches(v) => all(&mut out, v)?,
        Records::Plans(v) => all(&mut out, v)?,
        Records::Candidates(v) => all(&mut out, v)?,
        Records::Scores(v) => all(&mut out, v)?,
        Records::Violations(v) => all(&mut out, v)?,
        Records::PriorEducation(v) => all(&mut out, v)?,
        Records::Qualifications(v) => all(&mut out, v)?,
        Records::Certificates(v) => all(&mut out, v)?,
        Records::SubstitutionRules(v) => all(&mut out, v)?,
        Records::ExemptionRules(v) => all(&mut out, v)?,
        Records::Prework(v) => all(&mut out, v)?,
    }
    String::from_utf8(out).map_err(std::io::Error::other)
}
