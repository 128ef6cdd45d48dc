// Command go-harness is the driver compatibility harness for gosnowflake (see docs/drivers.md):
// it reads a config JSON (first argument), runs every case of drivers/cases.json on one session
// and prints one JSON object with each case's canonical values or the driver's own error.
package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	sf "github.com/snowflakedb/gosnowflake"
)

type config struct {
	Host, Account, User, Database, Schema, Warehouse, Mode, EmulatorURL, CasesFile string
	Port                                                                           int
	Auth                                                                           struct{ Kind, Token, PrivateKeyFile string }
}

type testCase struct {
	Name, Kind, SQL, Check, Mode, Driver string
	Binds                        []any
	Setup, Teardown              []string
	Rollback, Commit             []string
	Count                        int
}

func main() {
	var cfg config
	mustJSON(os.Args[1], &cfg)
	var cases []testCase
	mustJSON(cfg.CasesFile, &cases)
	ctx := context.Background()
	sc := &sf.Config{Account: cfg.Account, User: cfg.User, Host: cfg.Host, Port: cfg.Port, Protocol: "http",
		Database: cfg.Database, Schema: cfg.Schema, Warehouse: cfg.Warehouse, DisableTelemetry: true}
	if cfg.Auth.Kind == "oauth" {
		sc.Authenticator = sf.AuthTypeOAuth
		sc.Token = cfg.Auth.Token
	} else {
		sc.Authenticator = sf.AuthTypeJwt
		sc.PrivateKey = readKey(cfg.Auth.PrivateKeyFile)
	}
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, *sc))
	conn, err := db.Conn(ctx)
	if err != nil {
		fail(err)
	}
	out := map[string]any{"driver": "gosnowflake", "version": sf.SnowflakeGoDriverVersion}
	results := map[string]any{}
	for _, c := range cases {
		if c.Mode != "" && c.Mode != cfg.Mode {
			continue
		}
		if c.Driver != "" && c.Driver != "gosnowflake" {
			continue
		}
		r, err := runCase(ctx, conn, cfg, c)
		if err != nil {
			r = map[string]any{"ok": false, "failure": err.Error()}
		} else {
			r["ok"] = true
		}
		results[c.Name] = r
	}
	out["cases"] = results
	_ = conn.Close()
	out["closed"] = db.Close() == nil
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
}

func runCase(ctx context.Context, conn *sql.Conn, cfg config, c testCase) (map[string]any, error) {
	for _, s := range c.Setup {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, err
		}
	}
	defer func() {
		for _, s := range c.Teardown {
			_, _ = conn.ExecContext(ctx, s)
		}
	}()
	switch c.Kind {
	case "query":
		rows, err := conn.QueryContext(ctx, c.SQL, c.Binds...)
		return rowsResult(rows, err)
	case "aggregate":
		rows, err := conn.QueryContext(ctx, c.SQL)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		var n, total int64
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			// Every column is read, as a pipeline would; the first is summed.
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			v, err := strconv.ParseInt(fmt.Sprint(vals[0]), 10, 64)
			if err != nil {
				return nil, err
			}
			n++
			total += v
		}
		return map[string]any{"rows": [][]string{{strconv.FormatInt(n, 10), strconv.FormatInt(total, 10)}}}, rows.Err()
	case "multi":
		mctx, _ := sf.WithMultiStatement(ctx, c.Count)
		rows, err := conn.QueryContext(mctx, c.SQL)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var sets [][][]*string
		for {
			set, err := collect(rows)
			if err != nil {
				return nil, err
			}
			sets = append(sets, set)
			if !rows.NextResultSet() {
				break
			}
		}
		return map[string]any{"rows": sets}, nil
	case "transaction":
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		for _, s := range c.Rollback {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return nil, err
			}
		}
		if err := tx.Rollback(); err != nil {
			return nil, err
		}
		tx, err = conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		for _, s := range c.Commit {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return nil, err
			}
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
		rows, err := conn.QueryContext(ctx, c.Check)
		return rowsResult(rows, err)
	case "async":
		rows, err := conn.QueryContext(sf.WithAsyncMode(ctx), c.SQL)
		return rowsResult(rows, err)
	case "describe":
		rows, err := conn.QueryContext(sf.WithDescribeOnly(ctx), c.SQL)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		types, err := rows.ColumnTypes()
		if err != nil {
			return nil, err
		}
		var cols [][]any
		for _, t := range types {
			p, s, _ := t.DecimalSize()
			cols = append(cols, []any{t.Name(), t.DatabaseTypeName(), p, s})
		}
		return map[string]any{"columns": cols}, nil
	case "renewal":
		resp, err := http.Post(cfg.EmulatorURL+"/__emulator/faults", "application/json", bytes.NewBufferString(`{"expireSessions": true}`))
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		rows, err := conn.QueryContext(ctx, c.SQL)
		return rowsResult(rows, err)
	case "error":
		rows, err := conn.QueryContext(ctx, c.SQL)
		var se *sf.SnowflakeError
		if errors.As(err, &se) {
			return map[string]any{"error": map[string]any{"class": "SnowflakeError", "code": fmt.Sprintf("%06d", se.Number), "sqlState": se.SQLState}}, nil
		}
		return rowsResult(rows, err)
	}
	return nil, fmt.Errorf("unknown case kind %s", c.Kind)
}

func rowsResult(rows *sql.Rows, err error) (map[string]any, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set, err := collect(rows)
	return map[string]any{"rows": set}, err
}

func collect(rows *sql.Rows) ([][]*string, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	var out [][]*string
	for rows.Next() {
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]*string, len(types))
		for i, v := range vals {
			row[i] = canonical(v, types[i].DatabaseTypeName())
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// canonical renders a value the way every harness of the suite does.
func canonical(v any, dbType string) *string {
	if v == nil {
		return nil
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	case []byte:
		s = hex.EncodeToString(x)
	case time.Time:
		switch dbType {
		case "DATE":
			s = x.Format("2006-01-02")
		case "TIME":
			s = x.Format("15:04:05")
		case "TIMESTAMP_NTZ":
			s = x.Format("2006-01-02T15:04:05.000")
		default:
			s = x.UTC().Format("2006-01-02T15:04:05.000") + "Z"
		}
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

func readKey(path string) *rsa.PrivateKey {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		fail(err)
	}
	return k.(*rsa.PrivateKey)
}

func mustJSON(path string, v any) {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
