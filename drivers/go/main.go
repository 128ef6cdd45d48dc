package main

import (
	"database/sql"
	"fmt"
	"os"

	_ "github.com/snowflakedb/gosnowflake"
)

func main() {
	db, err := sql.Open("snowflake", os.Args[1])
	if err != nil {
		panic(err)
	}
	rows, err := db.Query("select 1::int as a, 123456789012345678901234567890::number(38,0) as big, 123.45::number(10,2) as d, 1.5::float as r, 'héllo' as t, true as b, '2024-01-01'::date as dt, '01:02:03.123456'::time as tm, '2024-01-01 12:34:56.123456'::timestamp_ntz as ntz, '2024-01-01 12:34:56.123456'::timestamp_ltz as ltz, 'CAFE'::binary as bin, parse_json('{\"a\":1}') as v")
	if err != nil {
		panic(err)
	}
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			panic(err)
		}
		for i, c := range cols {
			fmt.Printf("%s=%v (%T)\n", c, vals[i], vals[i])
		}
	}
	r2, err := db.Query("select range as id from range(50000)")
	if err != nil {
		panic(err)
	}
	n := 0
	for r2.Next() {
		n++
	}
	fmt.Println(n, r2.Err())
}
