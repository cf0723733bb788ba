-- The busiest ISO week(s) of OpenHouseDate: every week tied at the highest count, earliest first.
-- Spark SQL over a view named openhouses with the table's columns, e.g.
--   spark.read.parquet('out/openhouses.parquet').createOrReplaceTempView('openhouses')
-- The rule is defined in Rust (openhouse_insights::Tally::busiest_weeks); this file and
-- sql/duckdb/busiest_weeks.sql are its copies for SQL engines, checked against it by the tests.
WITH weeks AS (
    SELECT extract(YEAROFWEEK FROM OpenHouseDate) AS iso_year,
           extract(WEEK FROM OpenHouseDate) AS iso_week,      -- ISO 8601 week, Monday first
           CAST(date_trunc('week', OpenHouseDate) AS DATE) AS week_start,
           count(*) AS open_houses
    FROM openhouses
    WHERE OpenHouseDate IS NOT NULL
    GROUP BY 1, 2, 3
)
SELECT iso_year,
       iso_week,
       week_start,
       date_add(week_start, 6) AS week_end,
       open_houses
FROM weeks
WHERE open_houses = (SELECT max(open_houses) FROM weeks)
ORDER BY iso_year, iso_week;
