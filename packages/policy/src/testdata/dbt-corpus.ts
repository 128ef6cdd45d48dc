/**
 * Ordinary statements a dbt project (dbt-snowflake) and an ELT job send, in the forms they really
 * take (dbt's quoting, `__dbt_tmp` relations, query tags, `DBT_INTERNAL_*` aliases), for every
 * model of a small project: all must be allowed by the dbt example policy in context
 * ANALYTICS.PUBLIC. Checked by decision-corpus.test.ts.
 */
import type { DecisionCase } from './decision-case.js';

/** The project's models and the RAW.PUBLIC source each is built from. */
const MODELS: [model: string, source: string, key: string][] = [
  ['STG_ORDERS', 'ORDERS', 'ORDER_ID'],
  ['STG_CUSTOMERS', 'CUSTOMERS', 'ID'],
  ['STG_EVENTS', 'EVENTS', 'ID'],
  ['STG_PAYMENTS', 'PAYMENTS', 'PAYMENT_ID'],
  ['STG_PRODUCTS', 'PRODUCTS', 'SKU'],
  ['STG_ACCOUNTS', 'ACCOUNTS', 'ACCOUNT_ID'],
  ['STG_LINKS', 'LINKS', 'URL'],
  ['FCT_DAILY_REVENUE', 'ORDERS', 'ORDER_DATE'],
  ['DIM_CUSTOMERS', 'CUSTOMERS', 'ID'],
];

const TAG = (m: string) => `'{"app": "dbt", "dbt_version": "1.9.4", "node_id": "model.shop.${m.toLowerCase()}"}'`;

/** The statements dbt sends to build and test one model (table, view and incremental materialisations). */
function modelStatements(m: string, src: string, key: string): [string, string][] {
  const q = `"ANALYTICS"."PUBLIC"."${m}"`;
  const tmp = `"ANALYTICS"."PUBLIC"."${m}__dbt_tmp"`;
  return [
    ['query-tag', `alter session set query_tag = ${TAG(m)}`],
    ['show-objects', 'show terse objects in ANALYTICS.PUBLIC limit 10000'],
    ['begin', 'begin'],
    ['ctas-transient', `create or replace transient table ${q}\n  as\n  (\n    with source as (\n      select * from RAW.PUBLIC.${src}\n    ),\n    renamed as (\n      select ${key.toLowerCase()}, * exclude (${key.toLowerCase()}) from source\n    )\n    select * from renamed\n  );`],
    ['view', `create or replace   view ANALYTICS.PUBLIC.${m}_V\n  \n   as (\n    select * from ${q} where ${key.toLowerCase()} is not null\n  );`],
    ['temp-view', `create or replace  temporary view ${tmp}\n  \n   as (\n    select * from RAW.PUBLIC.${src}\n    where updated_at > (select coalesce(max(updated_at), '1900-01-01') from ${q})\n  );`],
    ['describe-tmp', `describe table ${tmp}`],
    ['describe-target', `describe table ${q}`],
    ['merge', `merge into ${q} as DBT_INTERNAL_DEST\n        using ${tmp} as DBT_INTERNAL_SOURCE\n        on (\n            DBT_INTERNAL_SOURCE.${key} = DBT_INTERNAL_DEST.${key}\n        )\n    when matched then update set\n        "UPDATED_AT" = DBT_INTERNAL_SOURCE."UPDATED_AT"\n    when not matched then insert\n        ("${key}", "UPDATED_AT")\n    values\n        ("${key}", "UPDATED_AT")\n;`],
    ['commit', 'commit'],
    ['temp-table', `create or replace temporary table ${tmp} as (select * from RAW.PUBLIC.${src} where loaded_at > dateadd(day, -1, current_timestamp()))`],
    ['delete-insert', `delete from ${q} as DBT_INTERNAL_DEST where (${key}) in (select distinct ${key} from ${tmp} as DBT_INTERNAL_SOURCE)`],
    ['insert', `insert into ${q} ("${key}", "UPDATED_AT")\n    (\n        select "${key}", "UPDATED_AT"\n        from ${tmp}\n    )`],
    ['test-not-null', `select count(*) as failures, count(*) != 0 as should_warn, count(*) != 0 as should_error from (\n  select ${key.toLowerCase()} from ${q} where ${key.toLowerCase()} is null\n) dbt_internal_test`],
    ['test-unique', `select count(*) as failures from (\n  select ${key.toLowerCase()} as unique_field, count(*) as n_records from ${q}\n  where ${key.toLowerCase()} is not null group by ${key.toLowerCase()} having count(*) > 1\n) dbt_internal_test`],
    ['explain', `explain using text select * from ${q} limit 10`],
    ['unset-tag', 'alter session unset query_tag'],
  ];
}

/** ELT statements besides dbt's own. */
const ELT: [string, string][] = [
  ['use-schema', 'USE SCHEMA ANALYTICS.PUBLIC'],
  ['use-database', 'use database ANALYTICS'],
  ['start-transaction', 'START TRANSACTION'],
  ['rollback', 'ROLLBACK'],
  ['set-variable', "SET run_date = '2026-12-01'"],
  ['set-from-query', 'SET max_id = (SELECT MAX(ORDER_ID) FROM RAW.PUBLIC.ORDERS)'],
  ['update-from', 'UPDATE ANALYTICS.PUBLIC.DIM_CUSTOMERS t SET country = s.country FROM RAW.PUBLIC.CUSTOMERS s WHERE t.id = s.id'],
  ['ctas-accounts', 'CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.ACCT AS SELECT * FROM RAW.PUBLIC.ACCOUNTS'],
  ['ctas-accounts-alias', 'CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.ACCT2 AS SELECT a.id, o.amount FROM RAW.PUBLIC.ACCOUNTS a JOIN RAW.PUBLIC.ORDERS o ON o.account_id = a.id'],
  ['view-url-filter', "CREATE OR REPLACE VIEW ANALYTICS.PUBLIC.S3_LINKS AS SELECT * FROM RAW.PUBLIC.LINKS WHERE url = 's3://bucket/landing/'"],
  ['ctas-option-names', 'CREATE TABLE ANALYTICS.PUBLIC.LINK_OPTS AS SELECT url, storage_integration, allowed_accounts FROM RAW.PUBLIC.LINKS'],
  ['ctas-clone-column', 'CREATE TABLE ANALYTICS.PUBLIC.CLONES AS SELECT 1 AS clone, 2 AS accounts FROM RAW.PUBLIC.ORDERS'],
  ['limit-offset', 'SELECT * FROM RAW.PUBLIC.ORDERS ORDER BY order_id LIMIT 100 OFFSET 200'],
  ['fetch-first', 'SELECT * FROM RAW.PUBLIC.ORDERS FETCH FIRST 10 ROWS ONLY'],
  ['quoted-upper', 'SELECT * FROM "RAW"."PUBLIC"."ORDERS"'],
  ['lower-unquoted', 'select * from raw.public.orders'],
  ['flatten', 'SELECT e.id, f.value FROM RAW.PUBLIC.EVENTS e, LATERAL FLATTEN(input => e.payload) f'],
  ['generator', 'SELECT SEQ4() FROM TABLE(GENERATOR(ROWCOUNT => 10))'],
  ['typeof', 'SELECT SYSTEM$TYPEOF(amount) FROM RAW.PUBLIC.ORDERS LIMIT 1'],
  ['window', 'SELECT customer_id, SUM(amount) OVER (PARTITION BY customer_id ORDER BY order_date) FROM RAW.PUBLIC.ORDERS'],
  ['qualify', 'SELECT * FROM RAW.PUBLIC.EVENTS QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY event_time DESC) = 1'],
  ['time-travel', 'SELECT * FROM RAW.PUBLIC.ORDERS AT(OFFSET => -3600)'],
  ['flow-chain', "SHOW TERSE OBJECTS IN ANALYTICS.PUBLIC ->> SELECT * FROM $1 WHERE \"kind\" = 'TABLE'"],
  ['flow-use', 'USE SCHEMA ANALYTICS.PUBLIC ->> SELECT * FROM FCT_DAILY_REVENUE'],
  ['use-then-unqualified', 'USE SCHEMA RAW.PUBLIC; SELECT * FROM ORDERS'],
  ['multi-statement', 'BEGIN; DELETE FROM ANALYTICS.PUBLIC.FCT_DAILY_REVENUE WHERE order_date = CURRENT_DATE(); INSERT INTO ANALYTICS.PUBLIC.FCT_DAILY_REVENUE SELECT order_date, SUM(amount) FROM RAW.PUBLIC.ORDERS GROUP BY 1; COMMIT'],
  ['unqualified-in-context', 'SELECT * FROM FCT_DAILY_REVENUE'],
  ['desc-view', 'DESC VIEW ANALYTICS.PUBLIC.STG_ORDERS_V'],
  ['show-tables', 'SHOW TABLES IN SCHEMA ANALYTICS.PUBLIC'],
  ['binds', 'INSERT INTO ANALYTICS.PUBLIC.FCT_DAILY_REVENUE (order_date, revenue) VALUES (?, ?)'],
];

/** Every dbt/ELT case: expected allowed. */
export const DBT: DecisionCase[] = [
  ...MODELS.flatMap(([m, src, key]) =>
    modelStatements(m, src, key).map(([kind, sql]): DecisionCase => ({ cls: 'dbt', name: `${m.toLowerCase()}-${kind}`, sql, expect: 'allow', reasonKey: 'rule_allowed' })),
  ),
  ...ELT.map(([name, sql]): DecisionCase => ({ cls: 'dbt', name: `elt-${name}`, sql, expect: 'allow', reasonKey: 'rule_allowed' })),
];
