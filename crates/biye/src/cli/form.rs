//! `biye form`: print the registration form (《毕业生登记表》) of one candidate,
//! or of a whole batch for an office's bulk reprint, as PDF files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::config::Config;
use crate::db::transcripts;
use crate::domain::{AdmissionNo, OfficeCode};
use crate::prediction::{self, Plans};
use crate::printing::{self, PrintContext};
use crate::storage::Storage;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The candidate whose form to print.
    #[arg(value_name = "ADMISSION_NO", required_unless_present = "all_in_batch")]
    pub admission_no: Option<String>,
    /// Batch of the form (e.g. 2023H1); default: the latest batch.
    #[arg(long)]
    pub batch: Option<String>,
    /// PDF file to write (one candidate), or the directory for `--all-in-batch`.
    #[arg(long)]
    pub out: PathBuf,
    /// Print every applicant of the batch (with --office, only that office's),
    /// one `ADMISSION_NO.pdf` each in the --out directory.
    #[arg(long)]
    pub all_in_batch: bool,
    /// With --all-in-batch: only this office (e.g. 0201).
    #[arg(long)]
    pub office: Option<OfficeCode>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let pool = db.pool();
    let batch = super::batch_or_latest(pool, args.batch.as_deref()).await?;
    let clock = super::serve::clock(config, &db).await?;
    let plans = Plans::load(pool).await?;
    let audit_context = prediction::context(&plans, &batch, clock.civil_now());
    let storage = Storage::open(&config.object_store_url, &config.s3)?;
    let keys = super::serve::keyring(config, &db).await?;
    let public_url = config.public_url();
    let ctx = PrintContext {
        pool,
        storage: &storage,
        plans: &plans,
        batch: &batch,
        audit_context: &audit_context,
        keys: &keys,
        public_url: &public_url,
        printed_at: clock.civil_now(),
    };
    let renderer = forms::Renderer::new()?;
    let who: Vec<String> = match &args.admission_no {
        Some(a) if !args.all_in_batch => vec![AdmissionNo::parse(a)?.to_string()],
        _ => {
            let scope = transcripts::Scope {
                applicants_of: Some(batch.code.to_string()),
                office: args.office.as_ref().map(|o| o.to_string()),
            };
            let list: Vec<String> = transcripts::subjects(pool, &scope)
                .await?
                .into_iter()
                .map(|s| s.admission_no)
                .collect();
            if list.is_empty() {
                eprintln!("{} 没有毕业申请，没有要打印的登记表。", batch.name);
                return Ok(ExitCode::SUCCESS);
            }
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("无法创建目录 {}", args.out.display()))?;
            list
        }
    };
    let bar = super::count_bar(who.len() as u64, "打印登记表");
    let mut failed = 0usize;
    for a in &who {
        let no = AdmissionNo::parse(a)?;
        let path = if who.len() == 1 && !args.all_in_batch {
            args.out.clone()
        } else {
            args.out.join(format!("{a}.pdf"))
        };
        let result = match printing::form_data(&ctx, &no).await {
            Ok(data) => renderer.render(&data).map_err(printing::PrintError::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(pdf) => std::fs::write(&path, pdf)
                .with_context(|| format!("无法写入 {}", path.display()))?,
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("{a}：{e}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    eprintln!(
        "已打印 {} 份登记表{}。",
        who.len() - failed,
        if failed > 0 {
            format!("，{failed} 份失败")
        } else {
            String::new()
        }
    );
    db.close().await;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
