//! `biye demo`: load the demo data set through the same import path as real
//! files, then create the demo accounts.
//!
//! The demo password is random per database (or `BIYE_DEMO_PASSWORD`), shown
//! once when the accounts are created and stored only as a hash. Loading again
//! (a larger data set, a restart with `--demo`) never changes an existing
//! account's password; new demo candidates get the stored hash. A database
//! that holds anything but demo data is refused.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::config::Config;
use crate::db::{self, Db};
use crate::demo::{self, Case};
use crate::domain::{OfficeCode, StaffRole};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of candidates to generate (benchmarks use 200000).
    #[arg(long, default_value_t = 1000)]
    pub candidates: usize,
    /// Random seed; the same seed and size give the same data.
    #[arg(long, default_value_t = 2023)]
    pub seed: u64,
}

/// One demo account to print.
pub struct Account {
    pub who: String,
    pub login: String,
}

/// What loading did.
pub struct Loaded {
    pub accounts: Vec<Account>,
    /// The password, when the accounts were created now (shown once).
    pub new_password: Option<String>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let loaded = load(
        &db,
        args.candidates,
        args.seed,
        config.demo_password.as_deref(),
        super::serve::clock(config, &db).await?.now(),
    )
    .await?;
    print_accounts(&loaded);
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `serve --demo`: loads the demo data into an empty database; on a demo
/// database, does nothing; anything else is refused.
pub async fn ensure_loaded(config: &Config, db: &Db) -> anyhow::Result<()> {
    if super::serve::is_demo(db).await? {
        println!("演示数据已载入；演示账号的密码在首次载入时已打印（只保存了散列值）。");
        return Ok(());
    }
    println!("正在载入演示数据……");
    let now = super::serve::clock(config, db).await?.now();
    let loaded = load(db, 1000, 2023, config.demo_password.as_deref(), now).await?;
    print_accounts(&loaded);
    Ok(())
}

pub fn print_accounts(loaded: &Loaded) {
    match &loaded.new_password {
        Some(p) => println!("演示账号（密码均为 {p}，只显示这一次，请记下）："),
        None => println!("演示账号（密码为首次载入时打印的演示密码）："),
    }
    for a in &loaded.accounts {
        println!("  {:<28} {}", a.who, a.login);
    }
}

/// Marks an empty database as a demo one before anything is loaded (so an
/// interrupted load can be resumed); refuses one that holds other data.
async fn claim_for_demo(db: &Db) -> anyhow::Result<()> {
    let pool = db.pool();
    if super::serve::is_demo(db).await? {
        return Ok(());
    }
    let holds_data = db::candidates::count(pool).await? > 0 || db::staff::count(pool).await? > 0;
    if holds_data {
        anyhow::bail!("数据库中已有非演示数据，拒绝载入演示数据。演示请使用新的空数据库（如 --database-url sqlite://demo/biye.db）。");
    }
    let mut conn = pool.acquire().await?;
    db::reference::meta_or_insert(&mut conn, "demo", "1").await?;
    Ok(())
}

/// Loads the data set and creates the demo accounts.
pub async fn load(
    db: &Db,
    candidates: usize,
    seed: u64,
    password: Option<&str>,
    now: jiff::Timestamp,
) -> anyhow::Result<Loaded> {
    if let Some(p) = password {
        crate::passwords::check_new(p)
            .map_err(|m| anyhow::anyhow!("BIYE_DEMO_PASSWORD 不符合密码规则：{m}"))?;
    }
    claim_for_demo(db).await?;
    // Through the same files and import path as the exam system's data.
    let dir = tempfile::tempdir().context("无法创建临时目录")?;
    let path = dir.path().to_owned();
    let (files, cases) =
        tokio::task::spawn_blocking(move || demo::write_files(&path, candidates, seed))
            .await?
            .context("生成演示数据失败")?;
    for file in files {
        let input = std::io::BufReader::new(std::fs::File::open(&file)?);
        let chunk = db::import::CHUNK;
        match db::import::import(db, input, "demo", now, chunk, |_| {}).await {
            Ok(_) => {}
            Err(db::import::ImportError::Invalid(e)) => {
                anyhow::bail!("演示数据有误（{}）：{:?}", file.display(), e.list.first())
            }
            Err(db::import::ImportError::Db(e)) => return Err(e.into()),
        }
    }
    let pool = db.pool();
    let stored = db::reference::meta(pool, "demo_password_hash").await?;
    let (hash, new_password) = match stored {
        Some(h) => (h, None),
        None => {
            let p = password.map_or_else(crate::passwords::generate, str::to_owned);
            let q = p.clone();
            let h = tokio::task::spawn_blocking(move || crate::passwords::hash(&q)).await??;
            (h, Some(p))
        }
    };
    let mut tx = pool.begin().await?;
    // Demo candidates share one hash: hashing 200,000 passwords would take an hour.
    db::candidates::set_missing_passwords(&mut tx, &hash).await?;
    let mut accounts = Vec::new();
    for (username, name, role, office) in demo_staff() {
        let office = office.map(OfficeCode::parse).transpose()?;
        let staff = db::staff::NewStaff {
            username,
            display_name: name,
            password_hash: &hash,
            role,
            office: office.as_ref(),
            must_change_password: false,
        };
        db::staff::create_if_absent(&mut tx, &staff).await?;
        accounts.push(Account {
            who: name.to_owned(),
            login: username.to_owned(),
        });
    }
    db::reference::meta_or_insert(&mut tx, "demo_password_hash", &hash).await?;
    tx.commit().await.context("保存演示账号失败")?;
    let shown = [
        Case::Passing,
        Case::MissingElective,
        Case::ViolationDeferred,
        Case::AlreadyGraduated,
        Case::BachelorPassing,
        Case::BachelorUnverified,
        Case::FoodWithoutMedicalDiploma,
        Case::ExemptionPair,
        Case::HongKongPermit,
    ];
    for case in shown {
        if let Some((no, _)) = cases.iter().find(|(_, c)| *c == case) {
            accounts.push(Account {
                who: format!("考生（{}）", case.label()),
                login: no.to_string(),
            });
        }
    }
    Ok(Loaded {
        accounts,
        new_password,
    })
}

/// The demo's staff: a city reviewer for 0201 and one for 0202 (who must not
/// see 0201's candidates), a provincial reviewer and an administrator.
fn demo_staff() -> [(&'static str, &'static str, StaffRole, Option<&'static str>); 4] {
    [
        (
            "sg0201",
            "韶关市区审核员",
            StaffRole::CityReviewer,
            Some("0201"),
        ),
        (
            "lc0202",
            "乐昌市审核员",
            StaffRole::CityReviewer,
            Some("0202"),
        ),
        ("gdsk", "省考办审核员", StaffRole::ProvincialReviewer, None),
        ("admin", "系统管理员", StaffRole::Admin, None),
    ]
}
