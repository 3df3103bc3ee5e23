#!/usr/bin/env bash
# The official MCP Python SDK (PyPI `mcp`) against the fixture server, over
# Streamable HTTP and over stdio, in both eras: initialize/discover, list,
# call a sync and an async tool, bad arguments -> isError, progress. Then
# against the hashstats example, the same four ways: list and read
# resources and templates, list and get prompts, complete arguments, an
# image result.
# Installs the SDK into tests/interop/mcp/.venv (git-ignored).
set -euo pipefail
source "$(dirname "$0")/mcp/common.sh"

MCP_VERSION="2.3.0"
VENV="$INTEROP_DIR/.venv"
if ! "$VENV/bin/python" -c "import mcp, importlib.metadata as m; assert m.version('mcp') == '$MCP_VERSION'" 2>/dev/null; then
    log "installing mcp==$MCP_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "mcp==$MCP_VERSION"
fi

build_fixture_server
start_server

timeout 300 "$VENV/bin/python" "$INTEROP_DIR/python_client.py" "$SERVER_URL" "$FIXTURE_SERVER"
stop_server

log "building hashstats"
(cd "$REPO_ROOT" && cargo build --quiet -p hashstats)
FIXTURE_SERVER="$(dirname "$FIXTURE_SERVER")/hashstats"
start_server
timeout 300 "$VENV/bin/python" "$INTEROP_DIR/hashstats_client.py" "$SERVER_URL" "$FIXTURE_SERVER"
