"""Driver compatibility harness for snowflake-connector-python (see docs/drivers.md).

Reads a config JSON (argv[1]), runs every case of drivers/cases.json against one connection
and prints one JSON object: the driver, its version, and each case's canonical values or the
driver's own error (class, errno, sqlstate). Values are canonical strings so that four drivers
can be compared: numbers as plain decimals, dates ISO, timestamps ISO to the millisecond
(`Z` for instants), binary as lower-case hex, VARIANT as its text.
"""
import datetime
import decimal
import json
import sys
import time
import urllib.request

import snowflake.connector
from snowflake.connector.cursor import ResultMetadata


def canonical(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, float) else str(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            return v.astimezone(datetime.timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
        return v.isoformat(timespec="milliseconds")
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, datetime.time):
        return v.isoformat(timespec="seconds")
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    return str(v)


def rows_of(cur):
    return [[canonical(x) for x in row] for row in cur.fetchall()]


def connect(cfg, extra=None):
    kw = dict(host=cfg["host"], port=cfg["port"], protocol="http", account=cfg["account"],
              user=cfg["user"], database=cfg.get("database"), schema=cfg.get("schema"),
              warehouse=cfg.get("warehouse"), paramstyle="qmark", login_timeout=60)
    auth = cfg["auth"]
    if auth["kind"] == "oauth":
        kw.update(authenticator="oauth", token=auth["token"])
    else:
        from cryptography.hazmat.primitives import serialization
        with open(auth["privateKeyFile"], "rb") as f:
            kw.update(authenticator="SNOWFLAKE_JWT", private_key=serialization.load_pem_private_key(f.read(), password=None))
    kw.update(extra or {})
    return snowflake.connector.connect(**kw)


def expire_sessions(cfg):
    req = urllib.request.Request(cfg["emulatorUrl"] + "/__emulator/faults", data=b'{"expireSessions": true}',
                                 headers={"content-type": "application/json"}, method="POST")
    urllib.request.urlopen(req).read()


def run_case(conn, cfg, case):
    cur = conn.cursor()
    for sql in case.get("setup", []):
        cur.execute(sql)
    try:
        return run_kind(conn, cfg, case, cur)
    finally:
        for sql in case.get("teardown", []):
            conn.cursor().execute(sql)


def run_kind(conn, cfg, case, cur):
    kind = case["kind"]
    if kind == "query":
        cur.execute(case["sql"], case.get("binds"))
        return {"format": cur._query_result_format, "rows": rows_of(cur)}
    if kind == "aggregate":
        cur.execute(case["sql"])
        fetch_started = time.perf_counter()
        n, total = 0, 0
        for batch in iter(lambda: cur.fetchmany(50000), []):
            n += len(batch)
            total += sum(int(r[0]) for r in batch)
        fetch_ms = round((time.perf_counter() - fetch_started) * 1000, 1)
        return {"format": cur._query_result_format, "rows": [[str(n), str(total)]], "fetchMs": fetch_ms}
    if kind == "multi":
        cur.execute(case["sql"], num_statements=case["count"])
        out = []
        while True:
            out.append(rows_of(cur))
            if not cur.nextset():
                break
        return {"rows": out}
    if kind == "transaction":
        conn.autocommit(False)
        try:
            for sql in case["rollback"]:
                cur.execute(sql)
            conn.rollback()
            for sql in case["commit"]:
                cur.execute(sql)
            conn.commit()
        finally:
            conn.autocommit(True)
        cur.execute(case["check"])
        return {"rows": rows_of(cur)}
    if kind == "async":
        cur.execute_async(case["sql"])
        qid = cur.sfqid
        while conn.is_still_running(conn.get_query_status(qid)):
            time.sleep(0.05)
        cur.get_results_from_sfqid(qid)
        return {"rows": rows_of(cur)}
    if kind == "describe":
        meta = cur.describe(case["sql"])
        return {"columns": [[m.name, str(m.type_code), m.precision, m.scale] for m in meta]}
    if kind == "renewal":
        expire_sessions(cfg)
        cur.execute(case["sql"])
        return {"rows": rows_of(cur)}
    if kind == "error":
        try:
            cur.execute(case["sql"])
        except snowflake.connector.errors.Error as e:
            return {"error": {"class": type(e).__name__, "code": str(e.errno).zfill(6), "sqlState": e.sqlstate}}
        return {"rows": rows_of(cur)}
    raise ValueError("unknown case kind " + kind)


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    with open(cfg["casesFile"]) as f:
        cases = json.load(f)
    out = {"driver": "snowflake-connector-python", "version": snowflake.connector.__version__, "cases": {}}
    conn = connect(cfg)
    for case in cases:
        if case.get("mode") and case["mode"] != cfg["mode"]:
            continue
        if case.get("driver") and case["driver"] != out["driver"]:
            continue
        try:
            started = time.perf_counter()
            result = run_case(conn, cfg, case)
            out["cases"][case["name"]] = {"ok": True, **result, "elapsedMs": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as e:  # a failed case is reported, the others still run
            out["cases"][case["name"]] = {"ok": False, "failure": f"{type(e).__name__}: {e}"}
    conn.close()
    out["closed"] = conn.is_closed()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
