#!/usr/bin/env bash
# Copies crds/*.yaml (the source of truth, owned by the operator) into charts/snowtrail/crds/, which
# Helm installs before the templates (first install only), and into charts/snowtrail-crds/files/crds/,
# which that chart renders as templates so that upgrades apply. e2e/chart.test.ts fails while they differ.
# --check: only report differences (exit 1), change nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
src=crds
mode=${1:-sync}
status=0
for dst in charts/snowtrail/crds charts/snowtrail-crds/files/crds; do
mkdir -p "$dst"
for f in "$src"/*.yaml; do
  [ -e "$f" ] || { echo "sync-chart-crds: no CRDs in $src/" >&2; exit 1; }
  name=$(basename "$f")
  if ! cmp -s "$f" "$dst/$name"; then
    if [ "$mode" = --check ]; then echo "differs: $dst/$name"; status=1; else cp "$f" "$dst/$name"; echo "synced: $dst/$name"; fi
  fi
done
for f in "$dst"/*.yaml; do
  [ -e "$f" ] || continue
  name=$(basename "$f")
  if [ ! -e "$src/$name" ]; then
    if [ "$mode" = --check ]; then echo "stale: $f"; status=1; else rm "$f"; echo "removed stale: $f"; fi
  fi
done
done
exit $status
