//! The province's import at scale (issue 12): the demo data set for
//! 200,000 candidates (about two million scores) written as import files, then
//! imported by the real `biye import` command into an empty database, then
//! imported again unchanged. Prints each file's time, the total, and the
//! command's peak resident memory (the kernel's `ru_maxrss` of the child).
//! Target: ≤ 60 s and ≤ 500 MB for the whole set; the re-import writes nothing.
//!
//! Run: `cargo bench --workspace --bench import`. `BIYE_BENCH_CANDIDATES=N`
//! changes the size; `BIYE_BENCH_DATABASE_URL=postgres://…` (an empty
//! database) runs it on PostgreSQL instead of a temporary SQLite file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Runs `biye import FILES…` and returns its wall time and peak RSS in MiB.
// The child is reaped by wait4 (which also reports its peak memory), not by
// `Child::wait`.
#[allow(clippy::zombie_processes)]
fn import(dir: &Path, url: &str, files: &[(PathBuf, usize)]) -> (f64, u64, String) {
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_biye"))
        .current_dir(dir)
        .env("BIYE_DATABASE_URL", url)
        .env("BIYE_OBJECT_STORE_URL", dir.join("objects"))
        .env("BIYE_NOW", "2023-06-15T09:00")
        .env("BIYE_LOG", "warn")
        .arg("import")
        .args(files.iter().map(|(p, _)| p))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("biye runs");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet waited for; both pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "biye import failed"
    );
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout {
        use std::io::Read as _;
        let _ = out.read_to_string(&mut stdout);
    }
    (secs, usage.ru_maxrss as u64 / 1024, stdout)
}

/// The demo's import files, as `biye demo` writes them, written by a child
/// process: `ru_maxrss` counts what a child inherits before it execs, so the
/// process that starts `biye import` must never have held the generated data.
fn files_from_child(dir: &Path, n: usize) -> Vec<(PathBuf, usize)> {
    let out = Command::new(std::env::current_exe().expect("this benchmark"))
        .env(WRITE_FILES, dir)
        .env("BIYE_BENCH_CANDIDATES", n.to_string())
        .output()
        .expect("the writer runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, n)| (PathBuf::from(p), n.parse().expect("a count")))
        .collect()
}

const WRITE_FILES: &str = "BIYE_BENCH_WRITE_FILES";

/// How many candidates: `BIYE_BENCH_CANDIDATES`, or the province's 200,000.
fn candidates() -> usize {
    std::env::var("BIYE_BENCH_CANDIDATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

fn main() {
    if let Some(dir) = std::env::var_os(WRITE_FILES) {
        let (paths, _) =
            biye::demo::write_files(Path::new(&dir), candidates(), 2023).expect("files written");
        for path in paths {
            use std::io::BufRead as _;
            let file = std::fs::File::open(&path).expect("written");
            let lines = std::io::BufReader::new(file).split(b'\n').count();
            println!("{}\t{}", path.display(), lines - 1); // less the header
        }
        return;
    }
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"import".contains(&a))
    {
        return;
    }
    let n = candidates();
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let files = files_from_child(dir.path(), n);
    let bytes: u64 = files
        .iter()
        .map(|(p, _)| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let records: usize = files.iter().map(|(_, n)| n).sum();
    eprintln!(
        "wrote {records} records ({} MiB) in {:.1} s",
        bytes >> 20,
        t.elapsed().as_secs_f64()
    );
    let url = std::env::var("BIYE_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("b.db").display()));
    let backend = url.split(':').next().unwrap_or("?").to_owned();
    let (first, peak, out) = import(dir.path(), &url, &files);
    print!("{out}");
    let (second, peak2, out2) = import(dir.path(), &url, &files);
    assert!(
        out2.lines().all(|l| l.contains("新增或更新 0 行")),
        "the re-import changed rows:\n{out2}"
    );
    println!(
        "import ({backend}): {n} candidates, {records} records ({} MiB of files) in {first:.1} s \
         ({:.0} records/s), peak RSS {peak} MiB; unchanged re-import {second:.1} s, \
         peak RSS {peak2} MiB, 0 rows written",
        bytes >> 20,
        records as f64 / first,
    );
}
