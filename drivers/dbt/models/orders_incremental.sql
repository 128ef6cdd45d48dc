{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select id, customer, amount, ordered_at from {{ ref('stg_orders') }}
{% if is_incremental() %}
where ordered_at >= (select max(ordered_at) from {{ this }})
{% endif %}
