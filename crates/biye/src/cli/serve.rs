//! `biye serve`: migrate, load the demo data into an empty database, and serve.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, Db};
use crate::storage::Storage;
use crate::web::{self, AppState};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not load the demo data into an empty database.
    #[arg(long)]
    pub no_demo: bool,
}

/// The simulated start time of a demo server: inside the 2023 H1 application window.
pub const DEMO_NOW: &str = "2023-06-15T09:00";

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    if !args.no_demo && db::candidates::count(db.pool()).await? == 0 {
        println!("数据库为空，正在载入演示数据……");
        let accounts = super::demo::load(&db, 1000, 2023).await?;
        super::demo::print_accounts(&accounts);
    }
    let state = build_state(config, db).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("无法监听 {}", config.listen))?;
    if state.clock.is_simulated() {
        println!(
            "演示模式：系统时间从 {} 开始（--now real 使用真实时间）。",
            state.clock.civil_now().strftime("%Y-%m-%d %H:%M")
        );
    }
    println!("biye 已启动：{}", config.public_url());
    crate::jobs::spawn(state.clone());
    axum::serve(listener, web::router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// Everything the router needs, from the configuration and an open database.
pub async fn build_state(config: &Config, db: Db) -> anyhow::Result<AppState> {
    let storage = Storage::open(&config.object_store_url)?;
    let clock = clock(config, &db).await?;
    let secret = secret(config, &db).await?;
    Ok(AppState {
        db,
        storage,
        config: Arc::new(config.clone()),
        clock,
        secret: secret.into(),
    })
}

/// The configured clock: `--now`, or the demo batch's time on demo data, or real.
pub async fn clock(config: &Config, db: &Db) -> anyhow::Result<Clock> {
    let tz = config.time_zone()?;
    let demo = db::reference::meta(db.pool(), "demo").await?.is_some();
    Ok(match config.now.as_deref() {
        Some("real") => Clock::real(tz),
        Some(t) => Clock::starting_at(
            tz,
            t.parse()
                .with_context(|| format!("--now“{t}”不是有效的时间（如 2023-06-15T09:00）"))?,
        )?,
        None if demo => Clock::starting_at(tz, DEMO_NOW.parse()?)?,
        None => Clock::real(tz),
    })
}

/// The signing secret: configured, or generated once and kept in the database.
pub async fn secret(config: &Config, db: &Db) -> anyhow::Result<Vec<u8>> {
    match &config.session_secret {
        Some(s) if s.len() >= 32 => Ok(s.as_bytes().to_vec()),
        Some(_) => anyhow::bail!("BIYE_SESSION_SECRET 至少需要 32 个字符"),
        None => stored_secret(db).await,
    }
}

async fn stored_secret(db: &Db) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = db::reference::meta(db.pool(), "secret").await? {
        return Ok(s.into_bytes());
    }
    let s = crate::web::session::random_token();
    let mut conn = db.pool().acquire().await?;
    db::reference::set_meta(&mut conn, "secret", &s).await?;
    Ok(s.into_bytes())
}
