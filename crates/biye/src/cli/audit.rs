//! `biye audit`: the graduation prediction from the command line. For one
//! candidate it prints the explanation (or its JSON); for a batch it audits
//! every applicant (or every candidate) and writes one CSV row each, so an
//! office can see who can graduate and what the others lack.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;

use crate::config::Config;
use crate::db::transcripts;
use crate::domain::audit::{evaluate, Audit, Context, Outcome, Verdict};
use crate::domain::{Batch, OfficeCode};
use crate::prediction::{self, Plans};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Batch to predict for (e.g. 2023H1); default: the latest batch.
    #[arg(long)]
    pub batch: Option<String>,
    /// Explain one candidate's prediction instead of auditing the batch (exit code 0
    /// only when the candidate is predicted to graduate).
    #[arg(long, value_name = "ADMISSION_NO")]
    pub candidate: Option<String>,
    /// Only candidates of this office (e.g. 0201).
    #[arg(long)]
    pub office: Option<OfficeCode>,
    /// Audit every candidate under their registered major, not only applicants.
    #[arg(long)]
    pub all: bool,
    /// CSV file for the batch report (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --candidate: print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let pool = db.pool();
    let batch = super::batch_or_latest(pool, args.batch.as_deref()).await?;
    let clock = super::serve::clock(config, &db).await?;
    let plans = Plans::load(pool).await?;
    let ctx = prediction::context(&plans, &batch, clock.civil_now());
    let code = match &args.candidate {
        Some(a) => one(pool, &plans, &ctx, &batch, a, args.json).await?,
        None => bulk(pool, &plans, &ctx, &batch, &args).await?,
    };
    db.close().await;
    Ok(code)
}

async fn one(
    pool: &sqlx::AnyPool,
    plans: &Plans,
    ctx: &Context,
    batch: &Batch,
    admission_no: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let no = crate::domain::AdmissionNo::parse(admission_no)?;
    let p = prediction::predict(pool, plans, ctx, batch, no.as_str()).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&p.audit)?);
    } else {
        print_audit(&p.subject, &batch.name, &p.audit);
    }
    Ok(if p.audit.verdict == Verdict::Graduates {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_audit(s: &transcripts::Subject, batch: &str, a: &Audit) {
    println!(
        "{} {} · {} · {}",
        s.admission_no, s.name, a.major, a.examining_school
    );
    println!("{batch}毕业预测：{}", a.summary);
    for c in &a.conditions {
        let mark = match c.outcome {
            Outcome::Pass => "✓ 符合",
            Outcome::Fail => "✗ 不符合",
            Outcome::Pending => "… 待定",
            Outcome::NotApplicable => "— 不适用",
        };
        println!("\n{mark}  {}：{}", c.title, c.summary);
        for d in &c.details {
            println!("      {d}");
        }
    }
}

fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Graduates => "可以毕业",
        Verdict::Pending => "待定",
        Verdict::NotYet => "暂不能毕业",
    }
}

async fn bulk(
    pool: &sqlx::AnyPool,
    plans: &Plans,
    ctx: &Context,
    batch: &Batch,
    args: &Args,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let scope = transcripts::Scope {
        applicants_of: (!args.all).then(|| batch.code.to_string()),
        office: args.office.as_ref().map(|o| o.to_string()),
    };
    let subjects = transcripts::subjects(pool, &scope).await?;
    if subjects.is_empty() {
        eprintln!(
            "没有需要审核的考生（{} 尚无毕业申请；用 --all 审核全部考生）",
            batch.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    let sink: Box<dyn Write> = match &args.out {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("无法写入 {}", p.display()))?)
        }
        None => Box::new(std::io::stdout()),
    };
    let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(sink));
    // A BOM so that Excel opens the Chinese columns correctly.
    csv.write_record([
        "\u{feff}准考证号",
        "姓名",
        "办理地点",
        "专业",
        "主考学校",
        "预测结果",
        "未满足条件代码",
        "未满足条件",
        "待办事项",
    ])?;
    let bar = super::count_bar(subjects.len() as u64, "毕业预测");
    let ids: Vec<i64> = subjects.iter().map(|s| s.id).collect();
    let mut counts = [0u64; 4];
    let mut failure: Option<anyhow::Error> = None;
    transcripts::for_each(pool, &ids, |i, facts| {
        let s = &subjects[i];
        bar.inc(1);
        let Some(plan) = plans.choose(s, ctx) else {
            counts[3] += 1;
            let row = [
                s.admission_no.as_str(),
                &s.name,
                &s.office_code,
                &s.major_code,
                &s.examining_school_code,
                "无法审核",
                "no_plan",
                "找不到有效的考试计划",
                "",
            ];
            if let Err(e) = csv.write_record(row) {
                failure.get_or_insert(e.into());
            }
            return;
        };
        let e = evaluate(plan, &facts, ctx);
        let verdict = e.verdict();
        counts[verdict as usize] += 1;
        let failed: Vec<_> = e.failed_conditions().collect();
        let codes: Vec<&str> = failed.iter().map(|c| c.as_str()).collect();
        let titles: Vec<&str> = failed.iter().map(|c| c.title()).collect();
        let waiting: Vec<&str> = crate::domain::audit::Condition::ALL
            .into_iter()
            .filter(|c| {
                e.outcome(*c) == Outcome::Pending
                    && *c != crate::domain::audit::Condition::MoralAssessment
            })
            .map(|c| c.title())
            .collect();
        let row = [
            s.admission_no.as_str(),
            &s.name,
            &s.office_code,
            plan.plan.major_code.as_str(),
            plan.plan.examining_school_code.as_str(),
            verdict_label(verdict),
            &codes.join(" "),
            &titles.join("；"),
            &waiting.join("；"),
        ];
        if let Err(e) = csv.write_record(row) {
            failure.get_or_insert(e.into());
        }
    })
    .await?;
    bar.finish_and_clear();
    if let Some(e) = failure {
        return Err(e.context("写入报告失败"));
    }
    csv.flush()?;
    eprintln!(
        "{}：审核 {} 人，可以毕业 {}，待定 {}，暂不能毕业 {}{}；用时 {:.1} 秒。",
        batch.name,
        subjects.len(),
        counts[0],
        counts[1],
        counts[2],
        if counts[3] > 0 {
            format!("，无有效计划 {}", counts[3])
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
