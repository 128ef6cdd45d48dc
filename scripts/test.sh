#!/usr/bin/env bash
# The README's test command: installs everything, then type-checks, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --with-object-lock --with-drivers
. scripts/lib/node-env.sh
export SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true SF_TELEMETRY_DISABLE_CONNECTION_SHAPE=1
echo "== type check"; pnpm -s typecheck
echo "== lint"; pnpm -s lint
# Three workers on two cores: the integration suites mostly wait on sockets, child processes and timers.
# --detectOpenHandles would force a single worker; `pnpm test:handles` runs that check (docs/adr/0003).
echo "== tests"
results=$(mktemp)
status=0
pnpm -s test --ci --maxWorkers=3 --forceExit --json --outputFile="$results" || status=$?
# One plain closing line that any CI reader understands, whatever the runner prints above it.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$results" || true
rm -f "$results"
exit "$status"
