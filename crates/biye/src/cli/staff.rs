//! `biye staff`: create staff accounts and reset their passwords from the
//! command line (the first administrator of a new installation comes from
//! here). Both print a one-time password that must be changed at the first
//! sign-in; the administrator's pages use the same rule.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::config::Config;
use crate::db::{self, audit::Actor};
use crate::domain::{OfficeCode, Scope, StaffRole};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create an account with a one-time password.
    Add {
        username: String,
        /// city_reviewer (needs --office), provincial_reviewer or admin.
        #[arg(long)]
        role: String,
        /// The office of a city reviewer, e.g. 0201.
        #[arg(long)]
        office: Option<OfficeCode>,
        /// The name shown on pages (default: the user name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Give an account a new one-time password and end its sessions.
    ResetPassword { username: String },
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let now = super::serve::clock(config, &db).await?.now();
    let password = crate::passwords::generate();
    let q = password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::passwords::hash(&q)).await??;
    let mut tx = db.pool().begin().await?;
    match args.action {
        Action::Add {
            username,
            role,
            office,
            name,
        } => {
            let role = StaffRole::from_db(&role).with_context(|| {
                format!("角色“{role}”无效：应为 city_reviewer、provincial_reviewer 或 admin")
            })?;
            Scope::of(role, office.as_ref().map(|o| o.as_str()))?;
            let display = name.unwrap_or_else(|| username.clone());
            let staff = db::staff::NewStaff {
                username: &username,
                display_name: &display,
                password_hash: &hash,
                role,
                office: if role.needs_office() {
                    office.as_ref()
                } else {
                    None
                },
                must_change_password: true,
            };
            if !db::staff::create_if_absent(&mut tx, &staff).await? {
                anyhow::bail!("用户名 {username} 已存在");
            }
            db::audit::append(
                &mut tx,
                now,
                Actor::Cli,
                "staff_created",
                "staff_user",
                &username,
                serde_json::json!({ "role": role.as_str() }),
            )
            .await?;
            println!("已创建账号 {username}（{}）。", role.label());
        }
        Action::ResetPassword { username } => {
            let staff = db::staff::get_by_username(db.pool(), &username)
                .await?
                .with_context(|| format!("用户名 {username} 不存在"))?;
            db::staff::reset_password(&mut tx, staff.id, &hash).await?;
            db::audit::append(
                &mut tx,
                now,
                Actor::Cli,
                "password_reset",
                "staff_user",
                &username,
                serde_json::json!({}),
            )
            .await?;
            println!("已重置 {username} 的密码，其所有登录已结束。");
        }
    }
    tx.commit().await?;
    println!("一次性密码：{password}（首次登录后必须修改；只显示这一次）");
    db.close().await;
    Ok(ExitCode::SUCCESS)
}
