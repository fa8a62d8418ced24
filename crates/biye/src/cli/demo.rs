//! `biye demo`: load the demo data set through the same import path as real
//! files, then create the demo staff accounts and candidate passwords.

use std::process::ExitCode;

use crate::config::Config;
use crate::db::{self, Db};
use crate::demo::{self, Case, DEMO_PASSWORD};
use crate::domain::{OfficeCode, StaffRole};
use crate::interchange::Parsed;

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

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let accounts = load(&db, args.candidates, args.seed).await?;
    print_accounts(&accounts);
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

pub fn print_accounts(accounts: &[Account]) {
    println!("演示账号（密码均为 {DEMO_PASSWORD}）：");
    for a in accounts {
        println!("  {:<28} {}", a.who, a.login);
    }
}

/// Loads the data set; returns the accounts worth trying.
pub async fn load(db: &Db, candidates: usize, seed: u64) -> anyhow::Result<Vec<Account>> {
    let data = demo::generate(candidates, seed);
    for records in data.files {
        let lines = (2..records.len() + 2).collect();
        let parsed = Parsed { records, lines };
        db::import::apply(db, &parsed, "demo").await?;
    }
    let password_hash =
        tokio::task::spawn_blocking(|| crate::passwords::hash(DEMO_PASSWORD)).await??;
    let mut tx = db.pool().begin().await?;
    // Demo candidates share one hash: hashing 200,000 passwords would take an hour.
    sqlx::query("UPDATE candidates SET password_hash = $1 WHERE password_hash IS NULL")
        .bind(&password_hash)
        .execute(&mut *tx)
        .await?;
    let office = OfficeCode::parse("0201")?;
    // A second city office whose reviewer must not see 0201's candidates.
    let other_office = OfficeCode::parse("0202")?;
    let staff = [
        (
            "sg0201",
            "韶关市区审核员",
            StaffRole::CityReviewer,
            Some(&office),
        ),
        (
            "lc0202",
            "乐昌市审核员",
            StaffRole::CityReviewer,
            Some(&other_office),
        ),
        ("gdsk", "省考办审核员", StaffRole::ProvincialReviewer, None),
        ("admin", "系统管理员", StaffRole::Admin, None),
    ];
    let mut accounts = Vec::new();
    for (username, name, role, office) in staff {
        db::staff::upsert(&mut tx, username, name, &password_hash, role, office).await?;
        accounts.push(Account {
            who: name.to_owned(),
            login: username.to_owned(),
        });
    }
    db::reference::set_meta(&mut tx, "demo", "1").await?;
    tx.commit().await?;
    let shown = [
        Case::Passing,
        Case::MissingElective,
        Case::ViolationDeferred,
        Case::AlreadyGraduated,
        Case::BachelorPassing,
        Case::BachelorUnverified,
        Case::FoodWithoutMedicalDiploma,
        Case::ExemptionPair,
    ];
    for case in shown {
        if let Some((no, _)) = data.cases.iter().find(|(_, c)| *c == case) {
            accounts.push(Account {
                who: format!("考生（{}）", case.label()),
                login: no.to_string(),
            });
        }
    }
    Ok(accounts)
}
