#!/usr/bin/env bash
# The fuzzing campaign: every target for SECONDS each (default 60), one job,
# inputs that take over 1 s or 256 MB counted as failures, as issue 12 asks.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Corpora grow in fuzz/corpus/<target>, failures land in fuzz/artifacts/.
# What a run found is kept as regression inputs in fuzz/regressions/<target>/,
# replayed by crates/biye/tests/fuzz_regressions.rs in `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
targets=(ids interchange attachment_upload photo_check photo_fix capture_upload form_text)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/biye-fuzz-target}"
cargo +nightly fuzz build --release -s none
# Photo seeds come from the repository's own test photos (small ones: the
# fuzzer's input length follows its largest seed).
for t in photo_check photo_fix capture_upload attachment_upload; do
    mkdir -p "seeds/$t"
    cp ../crates/forms/tests/photo.jpg "seeds/$t/photo.jpg"
    cp ../crates/photo/tests/real/images/lfw00[1-5].jpg "seeds/$t/"
done
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t"
    echo "== $t for ${seconds}s"
    cargo +nightly fuzz run --release -s none "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -timeout=1 -rss_limit_mb=256 -malloc_limit_mb=256 \
        -print_final_stats=1 2>&1 | grep -E "^(stat::|==|SUMMARY|Done)" || true
done
