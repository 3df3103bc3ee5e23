#!/usr/bin/env bash
# The whole test suite, as the README states it and as CI runs it:
# formatting, lints, every Rust test, then every interop script in
# tests/interop/ (real third-party clients: the MCP Python SDK, the MCP
# conformance suite, OpenAPI validators, headless Chromium), each of which
# installs what it needs into a local, git-ignored folder.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall-clock seconds, printed at the end (also when a step
# fails): CI has a time budget, and this says where it goes.
TIMES=()
CURRENT=""
STARTED=$SECONDS
close_step() { [ -z "$CURRENT" ] || TIMES+=("$(printf '%5d s  %s' $((SECONDS - STARTED)) "$CURRENT")"); }
step() { close_step; CURRENT="$*"; STARTED=$SECONDS; printf '\n==> %s\n' "$*"; }
summary() {
    close_step
    CURRENT=""
    printf '\n==> time per step\n'
    printf '%s\n' "${TIMES[@]}"
    printf '%5d s  in all\n' "$SECONDS"
}
trap summary EXIT

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo doc (the library crates, warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p registry-core -p registry-macros -p registry-server

step "cargo test --workspace"
cargo test --workspace

# Features off by default. One lint run with all of them on (each feature
# alone is still compiled, by the tests and interop scripts that need it:
# registry-tests' otel test, oauth_resource_server.sh, lambda_emulator.sh,
# tasks_replicas.sh), and one run of the unit tests they hold; enabling them
# workspace-wide would change what the default build is tested as.
step "cargo test -p registry-core --features anyhow --test question_mark"
cargo test -p registry-core --features anyhow --test question_mark
FEATURES=registry-server/oauth,registry-server/lambda,registry-server/otel,registry-server/redis,registry-tests/otel,registry-tests/redis
step "cargo clippy -p registry-server -p registry-tests --all-targets --features $FEATURES -- -D warnings"
cargo clippy -p registry-server -p registry-tests --all-targets --features "$FEATURES" -- -D warnings
step "cargo test -p registry-server --features oauth,lambda,otel --lib -- oauth telemetry"
cargo test -p registry-server --features oauth,lambda,otel --lib -- oauth telemetry
step "cargo test -p registry-tests --features otel --test otel"
cargo test -p registry-tests --features otel --test otel
# The redis feature's tests need a running Redis: tests/interop/tasks_replicas.sh
# starts one and runs them (cargo test -p registry-server --features redis --test redis_store).

passed=0
failed=0
failures=()
for script in tests/interop/*.sh; do
    [ -e "$script" ] || continue
    step "$script"
    if bash "$script"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$script")
    fi
done
if [ "$failed" -gt 0 ]; then
    printf '\ninterop scripts that failed: %s\n' "${failures[*]}"
fi
printf '\ninterop: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
