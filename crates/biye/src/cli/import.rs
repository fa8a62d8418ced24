//! `biye import FILE…`: validate every line, report every error with its line
//! number, and import nothing from a file that has any. Files are read in one
//! pass, a chunk at a time (`db::import`), so their size is not bounded by memory.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::db::import::{import, ImportError, Outcome, CHUNK};
use crate::interchange::Reader;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON Lines files (see docs/import-format.md); imported in the order given.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Only validate; write nothing.
    #[arg(long)]
    pub check: bool,
}

/// How many errors to print per file before summarising the rest.
const SHOWN_ERRORS: usize = 50;

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let now = super::serve::clock(config, &db).await?.now();
    let mut ok = true;
    for path in &args.files {
        let name = path.display().to_string();
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("文件 {name}：无法打开（{e}）");
                ok = false;
                continue;
            }
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = super::progress_bar(len, &format!("读取 {name}"));
        let input = BufReader::with_capacity(1 << 16, file);
        let result = if args.check {
            check(input, |n| bar.set_position(n))
        } else {
            import(&db, input, &name, now, CHUNK, |n| bar.set_position(n)).await
        };
        bar.finish_and_clear();
        match result {
            Ok(o) if args.check => {
                println!(
                    "文件 {name}：{} 条{}记录，校验通过。",
                    o.records,
                    o.kind.label()
                )
            }
            Ok(o) => println!(
                "文件 {name}：{} 条{}记录，新增或更新 {} 行，其余未变。",
                o.records,
                o.kind.label(),
                o.changed
            ),
            Err(ImportError::Invalid(errors)) => {
                ok = false;
                eprintln!("文件 {name}：有 {} 处错误，未导入任何数据。", errors.total);
                for e in errors.list.iter().take(SHOWN_ERRORS) {
                    eprintln!("  文件 {name} {e}");
                }
                if errors.total > SHOWN_ERRORS {
                    eprintln!("  ……另有 {} 处错误未列出", errors.total - SHOWN_ERRORS);
                }
            }
            Err(ImportError::Db(e)) => return Err(e.into()),
        }
    }
    db.close().await;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `--check`: reads and validates every line without touching the database.
fn check(input: impl BufRead, mut progress: impl FnMut(u64)) -> Result<Outcome, ImportError> {
    let mut reader = Reader::open(input).map_err(ImportError::Invalid)?;
    let kind = reader.kind();
    let mut records = 0;
    while let Some(chunk) = reader.next_chunk(CHUNK) {
        records += chunk.records.len() as u64;
        progress(reader.consumed());
    }
    let errors = reader.finish();
    if errors.is_empty() {
        Ok(Outcome {
            changed: 0,
            records,
            kind,
        })
    } else {
        Err(ImportError::Invalid(errors))
    }
}
