//! `biye migrate`: bring the schema up to date.

use std::process::ExitCode;

use crate::config::Config;

pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let db = crate::db::Db::connect(&config.database_url).await?;
    let ran = crate::db::migrate::run(&db).await?;
    println!(
        "已执行 {ran} 个迁移，数据库结构版本 {}。",
        crate::db::migrate::latest()
    );
    Ok(ExitCode::SUCCESS)
}
