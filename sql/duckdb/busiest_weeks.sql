-- The busiest ISO week(s) of OpenHouseDate: every week tied at the highest count, earliest first.
-- DuckDB SQL over a relation named openhouses with the table's columns, e.g.
--   CREATE VIEW openhouses AS SELECT * FROM read_parquet('out/openhouses.parquet');
-- The rule is defined in Rust (openhouse_insights::Tally::busiest_weeks); this file and
-- sql/spark/busiest_weeks.sql are its copies for SQL engines, checked against it by the tests.
WITH weeks AS (
    SELECT isoyear(OpenHouseDate) AS iso_year,
           week(OpenHouseDate) AS iso_week,                   -- ISO 8601 week, Monday first
           CAST(date_trunc('week', OpenHouseDate) AS DATE) AS week_start,
           count(*) AS open_houses
    FROM openhouses
    WHERE OpenHouseDate IS NOT NULL
    GROUP BY ALL
)
SELECT iso_year,
       iso_week,
       week_start,
       CAST(week_start + 6 AS DATE) AS week_end,
       open_houses
FROM weeks
WHERE open_houses = (SELECT max(open_houses) FROM weeks)
ORDER BY iso_year, iso_week;
