//! `biye import FILE…`: validate every line, report every error with its line
//! number, and import nothing from a file that has any.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::db::import::{apply, ImportError};
use crate::interchange;

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
        let parsed = interchange::read(BufReader::new(file), |n| bar.set_position(n));
        bar.finish_and_clear();
        let result = match parsed {
            Ok(parsed) if args.check => {
                println!(
                    "文件 {name}：{} 条{}记录，校验通过。",
                    parsed.records.len(),
                    parsed.records.kind().label()
                );
                continue;
            }
            Ok(parsed) => apply(&db, &parsed, &name, now)
                .await
                .map(|o| (o, parsed.records.kind())),
            Err(errors) => Err(ImportError::Invalid(errors)),
        };
        match result {
            Ok((o, kind)) => println!(
                "文件 {name}：{} 条{}记录，新增或更新 {} 行，其余未变。",
                o.records,
                kind.label(),
                o.changed
            ),
            Err(ImportError::Invalid(errors)) => {
                ok = false;
                eprintln!("文件 {name}：有 {} 处错误，未导入任何数据。", errors.len());
                for e in errors.iter().take(SHOWN_ERRORS) {
                    eprintln!("  文件 {name} {e}");
                }
                if errors.len() > SHOWN_ERRORS {
                    eprintln!("  ……另有 {} 处错误未列出", errors.len() - SHOWN_ERRORS);
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
