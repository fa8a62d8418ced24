//! `biye photo check|fix|bench`: the certificate-photo standard from the
//! command line. Offices use `check` on photos sent by other channels, `fix`
//! to produce the delivered file, and `bench` proves the speed targets on the
//! machine at hand.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use photo::{Engine, Input, Outcome, PhotoSpec, Report, Stage};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check photos against the standard; exit code 0 only when every one complies.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the reports as JSON (one array) instead of tables.
        #[arg(long)]
        json: bool,
        /// Check as phone captures (at least 600×800, over 50 KB; framing left to `fix`)
        /// instead of as the delivered 480×640 file.
        #[arg(long)]
        capture: bool,
    },
    /// Crop, scale and re-encode a capture into the delivered 480×640 JPEG, then check it.
    Fix {
        input: PathBuf,
        output: PathBuf,
        /// Replace a failing backdrop by this reference colour: white, light-blue or light-grey.
        #[arg(long, value_parser = ["white", "light-blue", "light-grey"])]
        replace_background: Option<String>,
    },
    /// Median milliseconds of decode, check and fix on a 480×640 and a 12 MP JPEG.
    Bench {
        /// Runs per measurement.
        #[arg(long, default_value_t = 30)]
        iterations: usize,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::load()?;
    let spec = PhotoSpec::certificate();
    match args.command {
        Command::Check {
            files,
            json,
            capture,
        } => check(&engine, &spec, &files, json, capture),
        Command::Fix {
            input,
            output,
            replace_background,
        } => {
            let spec = match replace_background.as_deref() {
                None => spec,
                Some(setting) => spec
                    .with_replacement_setting(setting)
                    .ok_or_else(|| anyhow::anyhow!("没有参考背景色“{setting}”"))?,
            };
            fix(&engine, &spec, &input, &output)
        }
        Command::Bench { iterations } => bench(&engine, &spec, iterations),
    }
}

fn check(
    engine: &Engine,
    spec: &PhotoSpec,
    files: &[PathBuf],
    json: bool,
    capture: bool,
) -> anyhow::Result<ExitCode> {
    let stage = if capture {
        Stage::Capture
    } else {
        Stage::Delivery
    };
    let bar = super::count_bar(files.len() as u64, "检查照片");
    let mut reports = Vec::new();
    let mut all_ok = true;
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
        let name = path.file_name().and_then(|n| n.to_str());
        let report = engine.check_input(
            &Input {
                bytes: &bytes,
                name,
                stage,
            },
            spec,
        );
        all_ok &= report.compliant;
        bar.inc(1);
        if !json {
            bar.suspend(|| print_report(&path.display().to_string(), &report));
        }
        reports.push(serde_json::json!({ "file": path.display().to_string(), "report": report }));
    }
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(name: &str, r: &Report) {
    let verdict = if r.compliant {
        "符合标准"
    } else {
        "不符合标准"
    };
    println!(
        "{name}：{verdict}（{}，{} 字节）",
        r.file.format, r.file.bytes
    );
    for f in &r.findings {
        let mark = match f.outcome {
            Outcome::Pass => "通过",
            Outcome::Warn => "提示",
            Outcome::Fail => "不通过",
        };
        let measured = if f.measured.is_empty() {
            "—"
        } else {
            &f.measured
        };
        let limit = if f.limit.is_empty() {
            String::new()
        } else {
            format!("（要求 {}）", f.limit)
        };
        println!(
            "  [{mark}] {:<22} {}：{measured}{limit}",
            f.code.as_str(),
            f.rule
        );
        if f.outcome != Outcome::Pass {
            println!("         {}", f.advice);
        }
    }
}

fn fix(
    engine: &Engine,
    spec: &PhotoSpec,
    input: &PathBuf,
    output: &PathBuf,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(input).with_context(|| format!("无法读取 {}", input.display()))?;
    match engine.fix(&bytes, spec) {
        Ok(fixed) => {
            std::fs::write(output, &fixed.jpeg)
                .with_context(|| format!("无法写入 {}", output.display()))?;
            println!("已生成 {}：", output.display());
            for step in &fixed.steps {
                println!("  {}", step.describe());
            }
            let report = engine.check(&fixed.jpeg, spec);
            print_report(&output.display().to_string(), &report);
            Ok(if report.compliant {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(u) => {
            eprintln!("{}：无法自动修正", input.display());
            for advice in u.advice() {
                eprintln!("  {advice}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

fn bench(engine: &Engine, spec: &PhotoSpec, iterations: usize) -> anyhow::Result<ExitCode> {
    println!("每项取 {iterations} 次运行的中位数（毫秒）；解码一项是同一文件在检查所用缩放比例下仅解码的时间，即下限。");
    let timings = photo::bench::run(engine, spec, iterations).map_err(anyhow::Error::msg)?;
    println!(
        "{:<28} {:>8} {:>10} {:>10} {:>10}",
        "输入", "KB", "仅解码", "检查", "修正"
    );
    for t in timings {
        println!(
            "{:<24} {:>8} {:>10.1} {:>10.1} {:>10.1}",
            t.name,
            t.bytes / 1024,
            t.decode_ms,
            t.check_ms,
            t.fix_ms
        );
    }
    Ok(ExitCode::SUCCESS)
}
