//! `biye export --kind candidates --out FILE`: records in the import format, so
//! that an export imports back unchanged. `biye export --kind graduates
//! --batch 2023H1 --out DIR`: the batch's graduates for electronic
//! registration (CSV, xlsx and a ZIP of photos; `crate::exports`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::interchange::{self, Records};

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// Candidates in the import format.
    Candidates,
    /// Plans in the import format.
    Plans,
    /// A batch's graduates for electronic registration (needs --batch and --out DIR).
    Graduates,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to export.
    #[arg(long, value_enum)]
    pub kind: What,
    /// Output file (default: standard output); for graduates, a directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The batch whose graduates to export, e.g. 2023H1.
    #[arg(long)]
    pub batch: Option<String>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let records = match args.kind {
        What::Graduates => return graduates(config, &db, &args).await,
        What::Candidates => Records::Candidates(crate::db::candidates::all(db.pool()).await?),
        What::Plans => Records::Plans(
            crate::db::plans::all(db.pool())
                .await?
                .into_iter()
                .map(|(_, p)| p)
                .collect(),
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

async fn graduates(config: &Config, db: &crate::db::Db, args: &Args) -> anyhow::Result<ExitCode> {
    let (Some(batch), Some(dir)) = (&args.batch, &args.out) else {
        anyhow::bail!("导出毕业生须指定 --batch（如 2023H1）和 --out 目录");
    };
    let batch = super::batch_or_latest(db.pool(), Some(batch)).await?;
    let code = batch.code.to_string();
    std::fs::create_dir_all(dir)?;
    let storage = crate::storage::Storage::open(&config.object_store_url, &config.s3)?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM graduation_applications WHERE batch_code = $1 AND state IN ($2, $3)",
    )
    .bind(&code)
    .bind(crate::exports::STATES[0])
    .bind(crate::exports::STATES[1])
    .fetch_one(db.pool())
    .await?;
    let bar = super::count_bar(total as u64, "导出毕业生");
    let summary =
        crate::exports::graduates(db, &storage, &code, dir, crate::exports::Wanted::ALL, |n| {
            bar.set_position(n)
        })
        .await?;
    bar.finish_and_clear();
    eprintln!(
        "已导出 {} 批次毕业生 {} 名、照片 {} 张：",
        code, summary.graduates, summary.photos
    );
    for f in &summary.files {
        eprintln!("  {}", f.display());
    }
    if !summary.missing_photos.is_empty() {
        eprintln!(
            "以下 {} 名毕业生没有审核通过的照片（未放入压缩包）：{}",
            summary.missing_photos.len(),
            summary.missing_photos.join("、")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Serialises records with their header.
pub fn to_jsonl(records: &Records) -> std::io::Result<String> {
    let mut out = Vec::new();
    interchange::write_header(&mut out, records.kind())?;
    interchange::write_records(&mut out, records)?;
    String::from_utf8(out).map_err(std::io::Error::other)
}
