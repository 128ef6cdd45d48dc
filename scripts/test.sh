#!/usr/bin/env bash
# The README's test command: installs everything, then type-checks, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --with-object-lock
export SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true SF_TELEMETRY_DISABLE_CONNECTION_SHAPE=1
echo "== type check"; pnpm -s typecheck
echo "== lint"; pnpm -s lint
# Three workers on two cores: the integration suites mostly wait on sockets, child processes and timers.
# --detectOpenHandles would force a single worker; `pnpm test:handles` runs that check (docs/adr/0003).
echo "== tests"; pnpm -s test --ci --maxWorkers=3 --forceExit
