#!/usr/bin/env python3
"""The merge `process --layout delta` does, done by the deltalake package (delta-rs's Python
binding, with its DataFusion MERGE): one batch of events merged into an openhouse Delta table.

    delta_merge.py TABLE_FOLDER BATCH.ndjson

What a user would write: read the batch, keep the records whose key is non-empty and whose
timestamps and date have the right shape (queries.py's expressions), keep the latest version of
each key (latest DateModified, then the later record), derive Zip5 and the `month` partition,
then MERGE on the key, as docs/incremental.md states it for Spark:

    MERGE INTO target USING source ON target.OpenHouseKey = source.OpenHouseKey
    WHEN MATCHED AND source.DateModified >= target.DateModified THEN UPDATE SET *
    WHEN NOT MATCHED THEN INSERT *

A second copy of openhouse's rules, as queries.py is, with the same approximations (see its
docstring). One difference in what is written, not in the rows: delta-rs adds the inserted
rows as new files beside the old ones, unsorted, where openhouse rewrites each month it
touches as one sorted file.
"""
import json
import re
import sys
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
from deltalake import DeltaTable

from queries import DATE_RE, FIELDS, TIMESTAMP_RE, TIMESTAMPS

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ZIP_RE = re.compile(r"^(\d{5})(-\d{4})?$")
SCHEMA = pa.schema([
    ("OpenHouseKey", pa.string(), False), ("ListingKey", pa.string()),
    ("OpenHouseMethod", pa.string()), ("OpenHouseDate", pa.date32(), False),
    ("OpenHouseStartTime", pa.timestamp("us", tz="UTC"), False),
    ("OpenHouseEndTime", pa.timestamp("us", tz="UTC"), False),
    ("DateModified", pa.timestamp("us", tz="UTC"), False),
    ("State", pa.string()), ("Zipcode", pa.string()), ("Zip5", pa.string()),
    ("month", pa.string(), False),
])


def micros(text):
    """Microseconds since the epoch of a UTC timestamp (fraction cut to microseconds)."""
    head, _, fraction = text.rstrip("Z").replace("+00:00", "").partition(".")
    whole = datetime.fromisoformat(head).replace(tzinfo=timezone.utc)
    return (whole - EPOCH) // timedelta(microseconds=1) + int((fraction + "000000")[:6])


def latest_versions(batch_path):
    timestamp, day = re.compile(TIMESTAMP_RE), re.compile(DATE_RE)
    latest = {}
    with open(batch_path, encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            if not line.strip():
                continue
            record = json.loads(line)
            values = {name: record.get(name) for name in FIELDS}
            valid = (isinstance(values["OpenHouseKey"], str) and values["OpenHouseKey"] != ""
                     and all(isinstance(values[name], str) and timestamp.match(values[name])
                             for name in TIMESTAMPS)
                     and isinstance(values["OpenHouseDate"], str)
                     and day.match(values["OpenHouseDate"]))
            if not valid:
                continue
            version = (micros(values["DateModified"]), index)
            kept = latest.get(values["OpenHouseKey"])
            if kept is None or version > kept[0]:
                latest[values["OpenHouseKey"]] = (version, values)
    return [values for _, values in latest.values()]


def source_table(records):
    columns = {name: [] for name in SCHEMA.names}
    for values in records:
        for name in FIELDS:
            value = values[name]
            if name in TIMESTAMPS:
                value = micros(value)
            elif name == "OpenHouseDate":
                value = date.fromisoformat(value)
            columns[name].append(value)
        zipcode = values["Zipcode"]
        match = ZIP_RE.match(zipcode) if isinstance(zipcode, str) else None
        columns["Zip5"].append(match.group(1) if match else None)
        columns["month"].append(values["OpenHouseDate"][:7])
    return pa.table(columns, schema=SCHEMA)


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    table_path, batch_path = argv[1:]
    source = source_table(latest_versions(batch_path))
    metrics = (
        DeltaTable(table_path)
        .merge(source=source, predicate="target.OpenHouseKey = source.OpenHouseKey",
               source_alias="source", target_alias="target")
        .when_matched_update_all(predicate="source.DateModified >= target.DateModified")
        .when_not_matched_insert_all()
        .execute())
    json.dump(metrics, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv)
