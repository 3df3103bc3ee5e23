#!/usr/bin/env bash
# Short, bounded fuzz runs of every target (fuzz/), then a stable replay of the corpus.
#
#   ./scripts/fuzz.sh            # 60 s per target
#   FUZZ_SECONDS=600 ./scripts/fuzz.sh
#
# Needs a nightly toolchain for cargo-fuzz (sanitizer flags); installs
# cargo-fuzz when it is missing. New interesting inputs are added to a temp
# copy of the corpus, not to the repository's seeds; crashes land in
# fuzz/artifacts/<target>/ and are replayed by `cargo test` in fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly install cargo-fuzz --locked
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in jsonrpc_decode arguments authorization; do
    mkdir -p "$work/$target"
    cp fuzz/corpus/"$target"/* "$work/$target/"
    echo "== fuzzing $target for ${seconds}s"
    (cd fuzz && cargo +nightly fuzz run --features libfuzzer "$target" "$work/$target" \
        -- -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 2>&1) |
        grep -E '^(#[0-9]+ *DONE|Done|stat::|==[0-9]+==|SUMMARY|artifact|thread .* panicked)' || true
    if ls fuzz/artifacts/"$target"/crash-* >/dev/null 2>&1; then
        echo "crashes found for $target: fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
echo "== replaying the seed corpus on stable"
cargo test --manifest-path fuzz/Cargo.toml --quiet
