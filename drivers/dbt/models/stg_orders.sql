{{ config(materialized='view') }}
select id, lower(customer) as customer, amount, ordered_at from {{ ref('raw_orders') }}
