-- One row per calendar day from the first to the last OpenHouseDate, days without open houses
-- included, with the day's open houses and the running total.
-- DuckDB SQL over a relation named openhouses (see busiest_weeks.sql).
-- The rule is defined in Rust (openhouse_insights::Tally::daily_cumulative); this file and
-- sql/spark/daily_cumulative.sql are its copies for SQL engines, checked against it by the tests.
WITH per_day AS (
    SELECT OpenHouseDate AS day, count(*) AS open_houses
    FROM openhouses
    WHERE OpenHouseDate IS NOT NULL
    GROUP BY OpenHouseDate
),
days AS (
    SELECT CAST(unnest(generate_series(min(day), max(day), INTERVAL 1 DAY)) AS DATE) AS day
    FROM per_day
)
SELECT days.day AS "date",
       coalesce(per_day.open_houses, 0) AS open_houses,
       CAST(sum(coalesce(per_day.open_houses, 0)) OVER (ORDER BY days.day) AS BIGINT)
           AS cumulative_open_houses
FROM days
LEFT JOIN per_day ON per_day.day = days.day
ORDER BY days.day;
