//! Measures the face match on a directory laid out as LFW is (one folder per
//! person, photos inside): the first two photos of each chosen person make a
//! same-person pair, and the first photos of every two different people make
//! a different-person pair. Prints the false non-match and false match rates
//! at a range of thresholds around [`photo::MATCH_THRESHOLD`], and the false
//! non-matches at three fixed false-match rates.
//!
//! ```text
//! cargo run --release -p photo --example face_pairs -- DIR [PEOPLE [SKIP]]
//! ```
//!
//! People are those with at least two photos, taken in name order with a
//! fixed stride so the sample spreads over the alphabet; `PEOPLE` (default
//! 300) caps how many, after the first `SKIP` (default 0) of the stride.
//! LFW has 1,680 such people, so `1000` takes the first 1,000 in name order
//! and `1000 1000` the other 680, a sample no threshold was chosen on.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: face_pairs DIR [PEOPLE [SKIP]]")?);
    let cap: usize = args.next().map_or(Ok(300), |s| s.parse())?;
    let skip: usize = args.next().map_or(Ok(0), |s| s.parse())?;
    let people = people(&dir, cap, skip)?;
    let engine = photo::Engine::load()?;
    let spec = photo::PhotoSpec::certificate();
    let mut firsts = Vec::new();
    let mut genuine = Vec::new();
    let mut genuine_d = Vec::new();
    let dist = |a: &photo::Embedding, b: &photo::Embedding| -> f32 {
        a.0.iter()
            .zip(&b.0)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f32>()
            .sqrt()
    };
    let mut failed = 0;
    for photos in &people {
        let embed = |p: &Path| -> Option<photo::Embedding> {
            let bytes = std::fs::read(p).ok()?;
            engine.embed(&bytes, &spec).ok()
        };
        match (embed(&photos[0]), embed(&photos[1])) {
            (Some(a), Some(b)) => {
                genuine.push(a.similarity(&b));
                genuine_d.push(dist(&a, &b));
                firsts.push(a);
            }
            _ => failed += 1,
        }
    }
    let mut impostor = Vec::new();
    let mut impostor_d = Vec::new();
    for (i, a) in firsts.iter().enumerate() {
        for b in &firsts[i + 1..] {
            impostor.push(a.similarity(b));
            impostor_d.push(dist(a, b));
        }
    }
    println!(
        "{} people, {} without a face found in one of their two photos",
        people.len(),
        failed
    );
    println!(
        "{} same-person pairs, {} different-person pairs",
        genuine.len(),
        impostor.len()
    );
    println!("threshold  false non-match  false match");
    for t in [0.86, 0.88, 0.90, 0.91, 0.92, 0.925, 0.93, 0.94] {
        let fnm = genuine.iter().filter(|&&s| s < t).count();
        let fm = impostor.iter().filter(|&&s| s >= t).count();
        let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
        let mark = if (t - photo::MATCH_THRESHOLD).abs() < 1e-6 {
            " ← MATCH_THRESHOLD"
        } else {
            ""
        };
        println!(
            "{t:9.3}  {:5.2} % ({fnm:>3})   {:6.3} % ({fm}){mark}",
            pct(fnm, genuine.len()),
            pct(fm, impostor.len())
        );
    }
    for t in [0.45f32, 0.5, 0.55, 0.6] {
        let fnm = genuine_d.iter().filter(|&&s| s > t).count();
        let fm = impostor_d.iter().filter(|&&s| s <= t).count();
        println!("euclidean {t:.2}: fnm {fnm} fm {fm}");
    }
    // Two embeddings (or two ways to cut the chip) compare fairly only at
    // one false-match rate: the false non-matches where the different-person
    // pairs allow 0.1 %, 0.234 % (MATCH_THRESHOLD's rate on the full set) and
    // 1 % false matches.
    let mut sorted = impostor.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    for rate in [0.001, 0.00234, 0.01] {
        let at = ((sorted.len() as f64 * rate) as usize).min(sorted.len().saturating_sub(1));
        let Some(&t) = sorted.get(at) else { break };
        let fnm = genuine.iter().filter(|&&s| s <= t).count();
        println!(
            "at {:.3} % false match (threshold {t:.4}): {fnm} false non-matches",
            rate * 100.0
        );
    }
    let worst = impostor.iter().copied().fold(f32::MIN, f32::max);
    let lowest = genuine.iter().copied().fold(f32::MAX, f32::min);
    println!("highest different-person similarity {worst:.3}; lowest same-person {lowest:.3}");
    Ok(())
}

/// Up to `cap` people with two or more photos each, spread over the names.
fn people(dir: &Path, cap: usize, skip: usize) -> std::io::Result<Vec<Vec<PathBuf>>> {
    let mut all = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    names.sort();
    for person in names {
        let Ok(entries) = std::fs::read_dir(&person) else {
            continue;
        };
        let mut photos: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        photos.sort();
        if photos.len() >= 2 {
            all.push(photos);
        }
    }
    let stride = (all.len() / cap.max(1)).max(1);
    Ok(all
        .into_iter()
        .step_by(stride)
        .skip(skip)
        .take(cap)
        .collect())
}
