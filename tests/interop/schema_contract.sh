#!/usr/bin/env bash
# The schema contract as property tests, through both protocols: for each
# tool of hashstats and of the fixture server, arguments generated from its
# own input schema (PyPI hypothesis-jsonschema) go through the official MCP
# Python SDK and through REST; none may be refused as invalid arguments, and
# every MCP result must validate against the tool's output schema (PyPI
# jsonschema). Tools that fail, sleep or block by design, or whose upstream
# is offline on purpose, are left out by name below.
# Installs into tests/interop/mcp/.venv-contract (git-ignored).
set -euo pipefail
source "$(dirname "$0")/mcp/common.sh"

VENV="$INTEROP_DIR/.venv-contract"
# hypothesis-jsonschema 0.23 uses hypothesis internals that 6.13x removed: pinned.
if ! "$VENV/bin/python" -c "import mcp, hypothesis_jsonschema, jsonschema, httpx, importlib.metadata as m; assert m.version('hypothesis') == '6.112.0'" 2>/dev/null; then
    log "installing mcp, hypothesis-jsonschema, jsonschema and httpx into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "mcp==2.3.0" "hypothesis==6.112.0" "hypothesis-jsonschema==0.23.1" "jsonschema>=4.20" "httpx>=0.27"
fi

build_fixture_server
start_server
REST_BASE="${SERVER_URL%/mcp}"
# The fixture server's tools with arguments, minus those that do work in
# proportion to an argument (echo, search), overflow by design (bump) or
# refuse a schema-valid value by design (divide: b = 0; measure: an area
# that overflows f64).
timeout 300 "$VENV/bin/python" "$INTEROP_DIR/schema_contract.py" "$SERVER_URL" "$REST_BASE" \
    add get_item
stop_server

log "building hashstats"
(cd "$REPO_ROOT" && cargo build --quiet -p hashstats)
FIXTURE_SERVER="$(dirname "$FIXTURE_SERVER")/hashstats"
start_server
REST_BASE="${SERVER_URL%/mcp}"
HASHSTATS_TOOLS=(
    block_at bits_to_target convert_amount convert_hashrate difficulty_chart
    difficulty_to_hashrate estimate_fee halving_schedule hashrate_to_difficulty
    mining_revenue next_retarget recent_blocks block_subsidy pool_shares
)
timeout 300 "$VENV/bin/python" "$INTEROP_DIR/schema_contract.py" "$SERVER_URL" "$REST_BASE" "${HASHSTATS_TOOLS[@]}"
