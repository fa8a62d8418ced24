//! Golden reports: the sample photos (as captures, as delivered files, and
//! fixed) and every derived case, each compared with its report under
//! `tests/golden/`. Outcomes must match exactly; measured values within a
//! small tolerance, because inference on another CPU may differ in the last
//! digits.
//!
//! Regenerate after an intended change, then review the diff:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --workspace --test golden
//! git diff crates/photo/tests/golden/
//! ```

mod common;

use common::derived::*;
use common::*;
use photo::{Input, Report, Stage};
use serde_json::{json, Value};

fn summary(report: &Report) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code.as_str(),
                "outcome": f.outcome,
                "measured": f.measured,
                "value": f.value.map(|v| (f64::from(v) * 1000.0).round() / 1000.0),
            })
        })
        .collect();
    json!({ "compliant": report.compliant, "findings": findings })
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            (x - y).abs() <= 0.05 * y.abs() + if y.abs() < 5.0 { 0.02 } else { 1.0 }
        }
        _ => a == b,
    }
}

/// Differences between a report and its golden file, as readable lines.
fn compare(name: &str, got: &Value, want: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if got["compliant"] != want["compliant"] {
        out.push(format!(
            "{name}: compliant {} ≠ golden {}",
            got["compliant"], want["compliant"]
        ));
    }
    let empty = vec![];
    let (g, w) = (
        got["findings"].as_array().unwrap_or(&empty),
        want["findings"].as_array().unwrap_or(&empty),
    );
    for wf in w {
        let code = &wf["code"];
        match g.iter().find(|f| &f["code"] == code) {
            None => out.push(format!("{name}: {code} missing")),
            Some(gf) => {
                if gf["outcome"] != wf["outcome"] {
                    out.push(format!(
                        "{name}: {code} {} ≠ golden {}",
                        gf["outcome"], wf["outcome"]
                    ));
                }
                if !close(&gf["value"], &wf["value"]) {
                    out.push(format!(
                        "{name}: {code} value {} ≠ golden {}",
                        gf["value"], wf["value"]
                    ));
                }
            }
        }
    }
    for gf in g {
        if !w.iter().any(|f| f["code"] == gf["code"]) {
            out.push(format!("{name}: {} not in golden", gf["code"]));
        }
    }
    out
}

#[test]
fn reports_match_their_golden_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let spec = spec();
    let mut reports: Vec<(String, Report)> = Vec::new();
    for name in [
        "sample_id_1.png",
        "sample_id_2.png",
        "sample_id_3.png",
        "sample_id_4.png",
        "sample_id_3_crop.jpg",
        "astronaut.png",
        "chelsea.png",
        "coffee.png",
    ] {
        let bytes = sample(name);
        let stem = name.split('.').next().unwrap_or(name);
        let capture = engine().check_input(
            &Input {
                bytes: &bytes,
                name: Some(name),
                stage: Stage::Capture,
            },
            &spec,
        );
        reports.push((format!("{stem}.capture"), capture));
        if let Ok(fixed) = engine().fix(&bytes, &spec) {
            reports.push((format!("{stem}.fixed"), engine().check(&fixed.jpeg, &spec)));
        }
    }
    for case in derived_cases() {
        let r = engine().check_input(
            &Input {
                bytes: &case.bytes,
                name: case.file_name,
                stage: Stage::Delivery,
            },
            &spec,
        );
        reports.push((format!("derived.{}", case.name), r));
    }
    let mut problems = Vec::new();
    for (name, report) in &reports {
        let path = dir.join(format!("{name}.json"));
        let got = summary(report);
        if update {
            std::fs::create_dir_all(&dir).expect("golden dir");
            let text = serde_json::to_string_pretty(&got).expect("json") + "\n";
            std::fs::write(&path, text).expect("write golden");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let want: Value = serde_json::from_str(&text).expect("golden is JSON");
                problems.extend(compare(name, &got, &want));
            }
            Err(_) => problems.push(format!("{name}: no golden file (run with UPDATE_GOLDEN=1)")),
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
