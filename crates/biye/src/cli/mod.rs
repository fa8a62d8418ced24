//! The `biye` command line: one file per subcommand. `anyhow` lives here, at the
//! edge; everything below returns typed errors.

pub mod audit;
pub mod demo;
pub mod export;
pub mod form;
pub mod import;
pub mod import_photos;
pub mod migrate;
pub mod photo;
pub mod serve;
pub mod staff;

use clap::{Parser, Subcommand};

use crate::config::Config;

/// 广东省高等教育自学考试毕业办理系统 (biye): graduation registration for the
/// self-study examination.
///
/// `biye serve --demo` starts on 127.0.0.1:8080 with an embedded SQLite
/// database and local files under ./biye-data/, loading the demo data the
/// first time. A real installation runs `biye serve` with BIYE_SIGNING_SECRET
/// set, imports its data (`biye import`) and creates its first administrator
/// (`biye staff add admin --role admin`).
#[derive(Debug, Parser)]
#[command(name = "biye", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (migrates; with --demo, loads the demo data into an empty database).
    Serve(serve::Args),
    /// Import a JSON Lines file from the exam system (all or nothing, idempotent).
    Import(import::Args),
    /// Import the photos on file (`<准考证号>.jpg`, the exam system's registration photos).
    ImportPhotos(import_photos::Args),
    /// Export records in the import format.
    Export(export::Args),
    /// Load the demo data set (offices, the 2023 H1 batch, plans, candidates, staff).
    Demo(demo::Args),
    /// Apply database migrations and exit.
    Migrate,
    /// The certificate-photo standard: check, fix, bench.
    Photo(photo::Args),
    /// Graduation prediction (毕业预测): one candidate's explanation, or a whole batch as CSV.
    Audit(audit::Args),
    /// Print the registration form (毕业生登记表) as PDF: one candidate, or a batch.
    Form(form::Args),
    /// Staff accounts: add one, or reset a password (both give a one-time password).
    Staff(staff::Args),
}

pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.config, args).await,
        Command::Import(args) => import::run(&cli.config, args).await,
        Command::ImportPhotos(args) => import_photos::run(&cli.config, args).await,
        Command::Export(args) => export::run(&cli.config, args).await,
        Command::Demo(args) => demo::run(&cli.config, args).await,
        Command::Migrate => migrate::run(&cli.config).await,
        Command::Photo(args) => photo::run(args),
        Command::Audit(args) => audit::run(&cli.config, args).await,
        Command::Form(args) => form::run(&cli.config, args).await,
        Command::Staff(args) => staff::run(&cli.config, args).await,
    }
}

/// Connects and migrates: every subcommand starts here.
pub async fn open_db(config: &Config) -> anyhow::Result<crate::db::Db> {
    let db = crate::db::Db::connect(&config.database_url).await?;
    crate::db::migrate::run(&db).await?;
    Ok(db)
}

/// A progress bar on a terminal, nothing otherwise (logs and CI stay clean).
pub fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let style =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

/// The batch a command works on: the one named (e.g. 2023H1), else the newest.
pub async fn batch_or_latest(
    pool: &sqlx::AnyPool,
    code: Option<&str>,
) -> anyhow::Result<crate::domain::Batch> {
    use anyhow::Context as _;
    match code {
        Some(code) => {
            let code = crate::domain::BatchCode::parse(code)?;
            crate::db::batches::get(pool, code)
                .await?
                .with_context(|| format!("批次 {code} 不存在"))
        }
        None => crate::db::batches::all(pool)
            .await?
            .into_iter()
            .next()
            .context("数据库中没有批次"),
    }
}

/// A progress bar counting items on a terminal, nothing otherwise.
pub fn count_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() || len < 2 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {eta}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}
