//! `biye serve`: migrate, load the demo data when asked (`--demo`), and serve.
//!
//! Demo data never reaches a real installation by accident: it is loaded only
//! with `--demo`, only into an empty database or one that already holds only
//! demo data, and a database with demo accounts is served only on a loopback
//! public URL.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, Db};
use crate::passwords::Hasher;
use crate::signing::Keyring;
use crate::sms::{HttpSender, LogSender, SmsSender};
use crate::storage::Storage;
use crate::web::{self, AppState, Shared};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Load the demo data set (2023 H1 batch, candidates of every case, staff
    /// accounts) into an empty database and serve it; the demo password is
    /// printed once (BIYE_DEMO_PASSWORD sets it). Refused on a database holding
    /// other data.
    #[arg(long)]
    pub demo: bool,
}

/// The simulated start time of a demo server: inside the 2023 H1 application window.
pub const DEMO_NOW: &str = "2023-06-15T09:00";

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    if args.demo {
        super::demo::ensure_loaded(config, &db).await?;
    }
    let demo = is_demo(&db).await?;
    if demo && !config.public_url_is_loopback() {
        anyhow::bail!(
            "数据库中有演示账号（密码已公开打印），不能在 {} 上提供服务：演示只允许本机地址（127.0.0.1、localhost）。\
             正式部署请使用新的空数据库并导入正式数据。",
            config.public_url()
        );
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
    if config.sms_gateway.is_none() {
        println!(
            "未配置短信网关（BIYE_SMS_GATEWAY）：短信验证码只写入服务器日志，仅供演示和开发。"
        );
    }
    println!("biye 已启动：{}", config.public_url());
    crate::jobs::spawn(state.clone());
    let app = web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn is_demo(db: &Db) -> anyhow::Result<bool> {
    Ok(db::reference::meta(db.pool(), "demo").await?.is_some())
}

/// Everything the router needs, from the configuration and an open database.
pub async fn build_state(config: &Config, db: Db) -> anyhow::Result<AppState> {
    let storage = Storage::open(&config.object_store_url, &config.s3)?;
    // A bad certificate rule is refused at start, not at the first final review.
    config.certificate_layout()?;
    config.photo_spec()?;
    let clock = clock(config, &db).await?;
    let keys = keyring(config, &db).await?;
    let sms: Arc<dyn SmsSender> = match &config.sms_gateway {
        Some(url) => Arc::new(HttpSender::new(
            url.clone(),
            config.sms_token.clone(),
            Duration::from_secs(5),
        )?),
        None => Arc::new(LogSender),
    };
    Ok(AppState::new(Shared {
        db,
        storage,
        config: Arc::new(config.clone()),
        clock,
        keys: Arc::new(keys),
        hasher: Hasher::per_core(),
        sms,
        limits: crate::web::throttle::Limits::new(config.sign_in_per_minute),
        renderer: Arc::new(forms::Renderer::new()?),
        capture_permits: crate::web::capture::Permits::per_core(),
        plans: Default::default(),
        identity: match &config.identity_service {
            Some(url) => Arc::new(crate::identity::HttpVerifier::new(
                url.clone(),
                config.identity_token.clone(),
                Duration::from_secs(5),
            )?),
            None => Arc::new(crate::identity::LocalVerifier),
        },
        faces: match &config.face_match_service {
            Some(url) => Arc::new(crate::face_match::HttpComparator::new(
                url.clone(),
                config.face_match_token.clone(),
                Duration::from_secs(5),
            )?),
            None => Arc::new(crate::face_match::LocalComparator {
                spec: config.photo_spec()?,
            }),
        },
    }))
}

/// The configured clock: `--now`, or the demo batch's time on demo data, or real.
pub async fn clock(config: &Config, db: &Db) -> anyhow::Result<Clock> {
    let tz = config.time_zone()?;
    Ok(match config.now.as_deref() {
        Some("real") => Clock::real(tz),
        Some(t) => Clock::starting_at(
            tz,
            t.parse()
                .with_context(|| format!("--now“{t}”不是有效的时间（如 2023-06-15T09:00）"))?,
        )?,
        None if is_demo(db).await? => Clock::starting_at(tz, DEMO_NOW.parse()?)?,
        None => Clock::real(tz),
    })
}

/// The signing keys: configured (`BIYE_SIGNING_SECRET` or its file), or — in
/// demo mode only — a key generated once and kept in the database (two
/// processes starting at once agree on one key).
pub async fn keyring(config: &Config, db: &Db) -> anyhow::Result<Keyring> {
    if let Some(text) = config.signing_keys_text()? {
        return Ok(Keyring::parse(&text)?);
    }
    if !is_demo(db).await? {
        anyhow::bail!(
            "未配置签名密钥：请设置 BIYE_SIGNING_SECRET（至少 32 个字符，可写作“编号:密钥”）\
             或 BIYE_SIGNING_SECRET_FILE。只有演示数据库才会自动生成密钥。"
        );
    }
    let generated = format!("demo:{}", crate::web::session::random_token());
    let mut conn = db.pool().acquire().await?;
    let stored = db::reference::meta_or_insert(&mut conn, "signing_key", &generated).await?;
    Ok(Keyring::parse(&stored)?)
}
