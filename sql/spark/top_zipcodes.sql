-- The top zip codes by open houses, ranked as SQL RANK() does: equal counts share a rank and
-- every zip ranked :top or better is kept, so ties at the cut are all shown.
-- Spark SQL over a view named openhouses (see busiest_weeks.sql); bind :top, e.g.
--   spark.sql(open('sql/spark/top_zipcodes.sql').read(), args={'top': 5})
-- The rule is defined in Rust (openhouse_insights::Tally::top_zipcodes); this file and
-- sql/duckdb/top_zipcodes.sql are its copies for SQL engines, checked against it by the tests.
SELECT `rank`, zipcode, open_houses
FROM (
    SELECT Zip5 AS zipcode,
           count(*) AS open_houses,
           rank() OVER (ORDER BY count(*) DESC) AS `rank`
    FROM openhouses
    WHERE Zip5 IS NOT NULL AND OpenHouseDate IS NOT NULL
    GROUP BY Zip5
)
WHERE `rank` <= :top
ORDER BY open_houses DESC, zipcode;
