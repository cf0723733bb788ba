"""The three insights computed by the SQL files in sql/ (one file per insight and dialect).

The SQL is defined once per dialect in sql/duckdb/ and sql/spark/; this module only loads it,
runs it over a relation named `openhouses`, and turns the result rows into the JSON shape of
the Rust insights (dates as YYYY-MM-DD), so the Rust tests can compare them.
"""
from pathlib import Path

SQL = Path(__file__).resolve().parents[2] / "sql"

# Rows with a null OpenHouseDate are skipped, as the Rust reader does.
TOTAL = "SELECT count(*) FROM openhouses WHERE OpenHouseDate IS NOT NULL"


def query(dialect, name):
    """The text of sql/DIALECT/NAME.sql."""
    return (SQL / dialect / (name + ".sql")).read_text()


def _arrow_rows(table):
    """Rows of a pyarrow table as dicts; dates as YYYY-MM-DD, cast by Arrow (Python's
    datetime.date cannot hold year 0)."""
    import pyarrow as pa
    columns = {}
    for field in table.schema:
        column = table.column(field.name)
        if pa.types.is_date(field.type):
            column = column.cast(pa.string())
        columns[field.name] = column.to_pylist()
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def duckdb_insights(con, top):
    """The insights of the relation `openhouses` on a DuckDB connection (with no result of
    an earlier execute() left unread: DuckDB refuses to start another query then)."""
    def rows(name, parameters=None):
        return _arrow_rows(con.sql(query("duckdb", name), params=parameters).to_arrow_table())
    return {
        "total_open_houses": con.sql(TOTAL).fetchall()[0][0],
        "busiest_weeks": rows("busiest_weeks"),
        "top_zipcodes": rows("top_zipcodes", {"top": top}),
        "daily_cumulative": rows("daily_cumulative"),
    }


def spark_insights(spark, top):
    """The insights of the view `openhouses` in a Spark session."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType

    def rows(name, args=None):
        frame = spark.sql(query("spark", name), args=args)
        as_text = [F.date_format(field.name, "yyyy-MM-dd").alias(field.name)
                   if isinstance(field.dataType, DateType) else F.col(field.name)
                   for field in frame.schema.fields]
        return [row.asDict() for row in frame.select(as_text).collect()]
    return {
        "total_open_houses": spark.sql(TOTAL).collect()[0][0],
        "busiest_weeks": rows("busiest_weeks"),
        "top_zipcodes": rows("top_zipcodes", {"top": int(top)}),
        "daily_cumulative": rows("daily_cumulative"),
    }
