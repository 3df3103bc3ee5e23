#!/usr/bin/env bash
# Lambda cold start and binary size, as far as this machine can measure them:
# a release build of hashstats with `--features lambda`, started fresh for
# each sample against cargo-lambda's runtime API emulator on loopback; a
# sample is the time from exec to the first complete response of a request
# already waiting at the emulator's Function URL. Prints a Markdown table.
#
#   scripts/lambda_cold_start.sh [SAMPLES]     (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
samples=${1:-15}
venv="$root/tests/interop/.venv-lambda"
target="${CARGO_TARGET_DIR:-$root/target}"

if [ ! -x "$venv/bin/cargo-lambda" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "cargo-lambda==1.9.2"
fi
cargo build --quiet --release -p hashstats --features lambda
binary="$target/release/hashstats"
stripped=$(mktemp)
strip -o "$stripped" "$binary"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -f "$stripped"; }
trap cleanup EXIT
"$venv/bin/cargo-lambda" lambda watch --only-lambda-apis -A 127.0.0.1 -P "$port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.2; done

times=()
for _ in $(seq 1 "$samples"); do
    start=$(date +%s%N)
    AWS_LAMBDA_FUNCTION_NAME=_ AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256 \
        AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$port/.rt" RUST_LOG=error "$binary" >/dev/null 2>&1 &
    fn=$!
    body=$(curl -s -m 10 "http://127.0.0.1:$port/lambda-url/_/api/next_retarget?height=925000")
    end=$(date +%s%N)
    kill "$fn" 2>/dev/null || true
    wait "$fn" 2>/dev/null || true
    [[ "$body" == *'"blocks_remaining":344'* ]] || { echo "unexpected answer: $body" >&2; exit 1; }
    times+=($(( (end - start) / 1000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}')
min=$(echo "$sorted" | head -1)
max=$(echo "$sorted" | tail -1)
ms() { awk -v us="$1" 'BEGIN {printf "%.1f ms", us / 1000}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "| measure | value |"
echo "| --- | --- |"
echo "| cold start, exec to first response (median of $samples) | $(ms "$median") |"
echo "| cold start, fastest / slowest | $(ms "$min") / $(ms "$max") |"
echo "| release binary (x86_64, with symbols) | $(mib "$(stat -c %s "$binary")") |"
echo "| release binary, stripped | $(mib "$(stat -c %s "$stripped")") |"
