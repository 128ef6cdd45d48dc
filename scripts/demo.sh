#!/usr/bin/env bash
# The README's main-job command: installs everything, then runs the local demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
. scripts/lib/node-env.sh
export SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true SF_TELEMETRY_DISABLE_CONNECTION_SHAPE=1
exec pnpm -s demo "$@"
