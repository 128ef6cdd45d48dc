#!/usr/bin/env bash
# The README's test command: installs everything, then type-checks, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --with-object-lock
export SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true SF_TELEMETRY_DISABLE_CONNECTION_SHAPE=1
echo "== type check"; pnpm -s typecheck
echo "== lint"; pnpm -s lint
# Most integration suites wait on sockets, child processes and timers rather than burn CPU, so three
# workers on two cores finish far sooner than jest's default of one (cores - 1).
echo "== tests"; pnpm -s test --ci --maxWorkers=3 --detectOpenHandles --forceExit
