//! The graduates' export at the province's scale: 100,000 final-approved
//! graduates → CSV + xlsx + the photo ZIP, as `biye export --kind graduates`
//! writes them. One run (it takes seconds, not microseconds): prints the time
//! and the peak resident memory of the export alone (the kernel's high-water
//! mark is reset after seeding). Target (issue 10): ≤ 60 s, bounded memory.
//!
//! Run: `cargo bench --workspace --bench export` (`BIYE_BENCH_GRADUATES=N` to
//! change the count).

mod support;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"graduates export".contains(&a))
    {
        return;
    }
    let n: usize = std::env::var("BIYE_BENCH_GRADUATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let i = support::install(10).await;
        let t = std::time::Instant::now();
        support::seed(&i, n, "final_approved").await;
        eprintln!("seeded {n} graduates in {:.1} s", t.elapsed().as_secs_f64());
        let out = tempfile::tempdir().expect("temp dir");
        // Reset the high-water mark so that it measures the export alone.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = peak_rss_kib();
        let t = std::time::Instant::now();
        let s = biye::exports::graduates(&i.db, &i.state.storage, "2023H1", out.path(), biye::exports::Wanted::ALL, |_| {})
            .await
            .expect("export");
        let secs = t.elapsed().as_secs_f64();
        let peak = peak_rss_kib();
        let size = |ext: &str| {
            std::fs::metadata(out.path().join(format!("graduates-2023H1.{ext}"))).map_or(0, |m| m.len()) / (1 << 20)
        };
        assert_eq!(s.graduates as usize, n);
        println!(
            "graduates export: {n} graduates, {} photos in {secs:.1} s ({:.0}/s); csv {} MiB, xlsx {} MiB, zip {} MiB; \
             peak RSS {} MiB during the export (was {} MiB before it)",
            s.photos,
            n as f64 / secs,
            size("csv"),
            size("xlsx"),
            size("zip"),
            peak / 1024,
            before / 1024,
        );
    });
}
