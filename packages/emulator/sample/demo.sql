-- Sample data for `snowtrail emulator --init packages/emulator/sample/demo.sql`.
-- Snowflake SQL: databases, schemas, Snowflake types; the emulator translates what DuckDB spells differently.
CREATE DATABASE IF NOT EXISTS RAW;
CREATE DATABASE IF NOT EXISTS ANALYTICS;
USE DATABASE RAW;

CREATE OR REPLACE TABLE RAW.PUBLIC.CUSTOMERS (
  ID NUMBER(38,0),
  NAME STRING,
  EMAIL STRING,
  COUNTRY VARCHAR(2),
  SIGNED_UP TIMESTAMP_NTZ,
  PROFILE VARIANT
);
INSERT INTO RAW.PUBLIC.CUSTOMERS VALUES
  (1, 'Ada Lovelace', 'ada@example.com', 'GB', '2024-01-05 09:30:00', PARSE_JSON('{"tier":"gold","tags":["math","engines"]}')),
  (2, 'Grace Hopper', 'grace@example.com', 'US', '2024-02-11 14:00:00', PARSE_JSON('{"tier":"silver","tags":["compilers"]}')),
  (3, 'Katherine Johnson', 'katherine@example.com', 'US', '2024-03-20 08:15:00', PARSE_JSON('{"tier":"gold","tags":["orbits"]}')),
  (4, 'Hedy Lamarr', 'hedy@example.com', 'AT', '2024-04-02 19:45:00', PARSE_JSON('{"tier":"bronze","tags":["radio"]}'));

CREATE OR REPLACE TABLE RAW.PUBLIC.ORDERS (
  ID NUMBER(38,0),
  CUSTOMER_ID NUMBER(38,0),
  ORDER_DATE DATE,
  AMOUNT NUMBER(12,2),
  PAID BOOLEAN
);
INSERT INTO RAW.PUBLIC.ORDERS
  SELECT i, 1 + (i % 4), DATE '2024-06-01' + CAST(i % 30 AS INTEGER), CAST(10 + (i * 37 % 500) / 10.0 AS NUMBER(12,2)), i % 5 <> 0
  FROM range(1, 1001) t(i);

-- A click stream big enough (50,000 rows) to come back in chunks.
CREATE OR REPLACE TABLE RAW.PUBLIC.EVENTS (ID NUMBER(38,0), CUSTOMER_ID NUMBER(38,0), KIND STRING, EVENT_TIME TIMESTAMP_NTZ);
INSERT INTO RAW.PUBLIC.EVENTS
  SELECT i, 1 + (i % 4), CASE i % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'click' ELSE 'purchase' END,
         TIMESTAMP '2024-06-01 00:00:00' + to_seconds(i)
  FROM range(1, 50001) t(i);

CREATE SCHEMA IF NOT EXISTS ANALYTICS.REPORTS;
