# Sourced by scripts/start and scripts/test: makes .venv with the project installed.
# Usage: setup_env EXTRAS   (e.g. "dashboards" or "dashboards,test")
# Re-running is quick: nothing is reinstalled unless pyproject.toml or the extras changed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${KS3_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "error: need root (or sudo) to run: $*" >&2; return 1; fi
}

setup_env() {
  local extras="$1"
  local python="${PYTHON:-python3}"
  if ! command -v "$python" >/dev/null; then
    echo "error: $python not found. Install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)." >&2
    return 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: $("$python" --version) is too old; Python 3.11 or newer is needed (set PYTHON=python3.11)." >&2
    return 1
  fi
  # One set-up at a time: scripts/start and scripts/test share .venv.
  if command -v flock >/dev/null; then
    mkdir -p "$(dirname "$VENV")"
    exec 9>"$VENV.lock"
    flock 9
  fi
  if [ ! -x "$PY" ]; then
    echo "==> creating $VENV"
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      echo "==> python venv module missing: installing Debian's python3-venv"
      as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv >/dev/null
      "$python" -m venv "$VENV" || return 1
    fi
  fi
  local stamp="$VENV/.ks3-installed"
  local want
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha256sum | cut -c1-16)-$extras"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "==> installing the project and its dependencies ($extras) into $VENV"
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
    # constraints.txt: the exact versions the test suite last passed with
    "$PY" -m pip install --quiet --disable-pip-version-check -c "$ROOT/constraints.txt" \
      -e "$ROOT[$extras]" || return 1
    echo "$want" > "$stamp"
  fi
  exec 9>&-  # release the lock: the server started next must not hold it
}

ensure_chromium() {
  # Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
  CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
  if [ -z "$CHROMIUM" ]; then
    echo "==> installing Debian's chromium for the browser tests"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || {
      echo "error: could not install chromium (apt-get install chromium); browser tests need it." >&2
      return 1
    }
    CHROMIUM="$(command -v chromium)"
  fi
  export CHROMIUM
}

ensure_npm() {
  # Node.js programs the project needs (JupyterHub's proxy, axe-core) come from npm.
  if ! command -v npm >/dev/null; then
    echo "==> installing Debian's nodejs and npm ($1 needs it)"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || {
      echo "error: could not install npm (apt-get install nodejs npm); $1 needs it." >&2
      return 1
    }
  fi
}

#: configurable-http-proxy (npm), the JupyterHub proxy; pinned here, installed into .venv.
CHP_VERSION="4.6.3"

ensure_proxy() {
  # JupyterHub's proxy is a Node.js program: installed with npm into $VENV/hub-proxy.
  local bin="$VENV/hub-proxy/node_modules/.bin/configurable-http-proxy"
  if [ -x "$bin" ] && [ "$(cat "$VENV/hub-proxy/.version" 2>/dev/null)" = "$CHP_VERSION" ]; then
    export KS3_HUB_PROXY="$bin"; return 0
  fi
  ensure_npm "JupyterHub's proxy" || return 1
  echo "==> installing configurable-http-proxy $CHP_VERSION (npm) into $VENV/hub-proxy"
  mkdir -p "$VENV/hub-proxy"
  npm install --silent --no-audit --no-fund --prefix "$VENV/hub-proxy" \
    "configurable-http-proxy@$CHP_VERSION" >/dev/null || return 1
  echo "$CHP_VERSION" > "$VENV/hub-proxy/.version"
  export KS3_HUB_PROXY="$bin"
}

#: axe-core, the accessibility checker the browser tests run in every page
#: (tests/browser/conftest.py finds it in $VENV/npm). Pinned: the version the
#: pages last passed with.
AXE_CORE_VERSION="4.14.1"

ensure_axe() {
  local here="$VENV/npm/node_modules/axe-core/package.json"
  if [ -f "$here" ] && grep -q "\"version\": \"$AXE_CORE_VERSION\"" "$here"; then return 0; fi
  ensure_npm "the accessibility checker of the browser tests (axe-core)" || return 1
  echo "==> installing axe-core $AXE_CORE_VERSION into $VENV/npm"
  mkdir -p "$VENV/npm"
  npm install --silent --no-save --no-audit --no-fund --prefix "$VENV/npm" \
    "axe-core@$AXE_CORE_VERSION" || return 1
}
