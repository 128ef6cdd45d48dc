#!/usr/bin/env bash
# Installs the drivers of the compatibility suite (drivers/) into .drivers/ inside the workspace, each
# from its own registry with a pinned version: the Python connector into a venv and dbt-snowflake into another (PyPI),
# the JDBC driver's jar (Maven Central, through Maven), gosnowflake (the Go module proxy) built into one
# binary. Idempotent and cached: a second run only checks the stamps. Prints one line per driver:
# "installed", "cached" or "skipped: <why>" (a missing toolchain skips that driver, it never fails).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[drivers]\033[0m %s\n' "$*" >&2; }

# Pinned versions: change them here only (drivers/versions.env is read by the suite too).
# shellcheck source=../drivers/versions.env
. drivers/versions.env
cache="${SNOWTRAIL_DRIVERS_CACHE:-$PWD/.drivers}"
mkdir -p "$cache"

if command -v python3 >/dev/null 2>&1; then
  stamp="$cache/venv/.stamp"
  want="connector=$PYTHON_CONNECTOR_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "python connector $PYTHON_CONNECTOR_VERSION: cached"
  else
    log "python connector $PYTHON_CONNECTOR_VERSION: installing into .drivers/venv"
    python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" install -q --disable-pip-version-check "snowflake-connector-python==$PYTHON_CONNECTOR_VERSION" >&2
    echo "$want" > "$stamp"
  fi
else
  log "python connector: skipped: python3 not found"
fi

if command -v python3 >/dev/null 2>&1; then
  # dbt in its own venv: dbt-core 1.11+ pulls a parser package that downloads a binary from outside
  # the registries at install time, so 1.10 is pinned.
  stamp="$cache/dbt-venv/.stamp"
  want="dbt-core=$DBT_CORE_VERSION dbt-snowflake=$DBT_SNOWFLAKE_VERSION connector=$PYTHON_CONNECTOR_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "dbt-core $DBT_CORE_VERSION, dbt-snowflake $DBT_SNOWFLAKE_VERSION: cached"
  else
    log "dbt-core $DBT_CORE_VERSION, dbt-snowflake $DBT_SNOWFLAKE_VERSION: installing into .drivers/dbt-venv"
    python3 -m venv "$cache/dbt-venv"
    "$cache/dbt-venv/bin/pip" install -q --disable-pip-version-check "dbt-core==$DBT_CORE_VERSION" \
      "dbt-snowflake==$DBT_SNOWFLAKE_VERSION" "snowflake-connector-python==$PYTHON_CONNECTOR_VERSION" >&2
    echo "$want" > "$stamp"
  fi
else
  log "dbt: skipped: python3 not found"
fi

if command -v mvn >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; then
  jar="$cache/m2/net/snowflake/snowflake-jdbc/$JDBC_VERSION/snowflake-jdbc-$JDBC_VERSION.jar"
  if [ -f "$jar" ]; then
    log "jdbc $JDBC_VERSION: cached"
  else
    log "jdbc $JDBC_VERSION: fetching from Maven Central into .drivers/m2"
    mvn -q -B -Dmaven.repo.local="$cache/m2" dependency:get -Dartifact="net.snowflake:snowflake-jdbc:$JDBC_VERSION" -Dtransitive=false >&2
  fi
  classes="$cache/jdbc-classes"
  src_sum=$(cat drivers/jdbc/*.java | sha256sum | cut -d' ' -f1)
  if [ ! -f "$classes/.stamp" ] || [ "$(cat "$classes/.stamp")" != "$src_sum $JDBC_VERSION" ]; then
    rm -rf "$classes" && mkdir -p "$classes"
    javac -d "$classes" -cp "$jar" drivers/jdbc/*.java >&2
    echo "$src_sum $JDBC_VERSION" > "$classes/.stamp"
  fi
  ln -sf "$jar" "$cache/snowflake-jdbc.jar"
else
  log "jdbc: skipped: mvn or javac not found"
fi

if command -v go >/dev/null 2>&1; then
  bin="$cache/go-harness"
  src_sum=$(cat drivers/go/*.go drivers/go/go.mod drivers/go/go.sum | sha256sum | cut -d' ' -f1)
  if [ -x "$bin" ] && [ -f "$bin.stamp" ] && [ "$(cat "$bin.stamp")" = "$src_sum" ]; then
    log "gosnowflake $GOSNOWFLAKE_VERSION: cached"
  else
    # Go's own module and build caches are machine-wide and content-addressed (go.sum pins every
    # module), so a fresh clone on a machine that built the harness once compiles in seconds.
    log "gosnowflake $GOSNOWFLAKE_VERSION: building the harness"
    (cd drivers/go && GOFLAGS=-mod=mod go build -o "$bin" . >&2)
    echo "$src_sum" > "$bin.stamp"
  fi
else
  log "gosnowflake: skipped: go not found"
fi
