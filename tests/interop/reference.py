#!/usr/bin/env python3
"""Independent reference implementation of the openhouse rules (stdlib only).

Usage: reference.py FEED_PATH
Prints one JSON object on stdout: either {"error": "malformed_array"} or the
full result (rejections, deduplicated rows, insights). The Rust tests compare
their own pipeline's output with it, so this file is deliberately written
without looking at the Rust code: plain loops, no cleverness.
"""
import json
import json.scanner
import re
import sys

FIELDS = ["OpenHouseKey", "ListingKey", "OpenHouseMethod", "OpenHouseDate",
          "OpenHouseStartTime", "OpenHouseEndTime", "DateModified", "State", "Zipcode"]
REQUIRED = {"OpenHouseKey", "OpenHouseDate", "OpenHouseStartTime", "OpenHouseEndTime", "DateModified"}
TIMESTAMPS = ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"]
TOP_N = 5

DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
TS_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                   r"(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})?")
ZIP_RE = re.compile(r"([0-9]{5})(?:-[0-9]{4})?")
SURROGATE_RE = re.compile("[\ud800-\udfff]")

# The C scanner only accepts ASCII digits in numbers; the pure-Python fallback
# uses \d (any Unicode digit), which would make us laxer than simd-json.
assert json.scanner.c_make_scanner is not None, "needs CPython's C JSON scanner"


class Invalid(ValueError):
    """A JSON text that is RFC-valid for Python but not for the Rust parser."""


class Obj:
    """A JSON object kept as its ordered (key, value) pairs, so repeats stay visible."""
    def __init__(self, pairs):
        self.pairs = pairs


NUMBER = object()  # the value of any JSON number: the rules never need it


def _parse_float(s):
    # RFC 8259 puts no range on numbers: 1e400 is well-formed JSON (a number, whatever its
    # size), and the rules never need a number's value.
    return NUMBER


def _parse_constant(s):
    raise Invalid("non-JSON constant " + s)


def parse_json(raw):
    """bytes -> parsed value; raises ValueError (or RecursionError) if not valid."""
    text = raw.decode("utf-8")  # strict: invalid UTF-8 raises UnicodeDecodeError (a ValueError)
    value = json.loads(text, object_pairs_hook=Obj, parse_float=_parse_float,
                       parse_int=lambda s: NUMBER,  # huge ints are fine; avoid int() digit limits
                       parse_constant=_parse_constant)
    # Python accepts lone surrogate escapes ("\ud800"); simd-json does not.
    # Valid pairs were already combined into one code point by json.loads.
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if SURROGATE_RE.search(v):
                raise Invalid("lone surrogate")
        elif isinstance(v, Obj):
            for k, x in v.pairs:
                stack.append(k)
                stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)
    return value


# ---- calendar math (proleptic Gregorian, year 0 allowed; datetime cannot) ----

def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y, m):
    return [31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def days_from_civil(y, m, d):
    """Days since 1970-01-01 (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def fmt_days(z):
    # Like chrono's NaiveDate Display: 4 digits for 0..=9999, an explicit sign otherwise.
    y, m, d = civil_from_days(z)
    ys = "%04d" % y if 0 <= y <= 9999 else ("+" if y > 0 else "-") + "%04d" % abs(y)
    return "%s-%02d-%02d" % (ys, m, d)


def iso_week(z):
    """(iso_year, iso_week, monday_days) for the day number z."""
    wd = (z + 3) % 7                  # 1970-01-01 was a Thursday; Monday = 0
    monday = z - wd
    thursday = monday + 3             # the ISO year is the year holding the week's Thursday
    iso_year = civil_from_days(thursday)[0]
    week = (thursday - days_from_civil(iso_year, 1, 1)) // 7 + 1
    return iso_year, week, monday


# ---- field checks: each returns (reason or None, parsed value) ----

def check_date(s):
    m = DATE_RE.fullmatch(s)
    if not m:
        return "malformed", None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo)):
        return "out_of_range", None
    if not 1900 <= y <= 2199:  # the years an open house can have; bounds the daily series
        return "out_of_range", None
    return None, days_from_civil(y, mo, d)


def check_timestamp(s):
    m = TS_RE.fullmatch(s)
    if not m:
        return "malformed", None
    y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
    frac, zone = m.group(7), m.group(8)
    if zone not in ("Z", "z", "+00:00"):
        return "not_utc", None
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo) and h <= 23 and mi <= 59 and sec <= 59):
        return "out_of_range", None
    nanos = int((frac or "").ljust(9, "0"))
    seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
    return None, seconds * 1_000_000_000 + nanos


def json_type(value):
    """The JSON type name of a parsed value, as the rejects file spells it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if value is NUMBER:
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check_record(value):
    """-> (problems, fields) where fields maps field name -> first value (absent: missing).
    A problem is (field, reason) or (field, reason, found type)."""
    if not isinstance(value, Obj):
        return [(None, "not_an_object", json_type(value))], None
    problems, first, seen = [], {}, {}
    for k, v in value.pairs:
        if k in FIELDS:
            seen[k] = seen.get(k, 0) + 1
            if seen[k] == 1:
                first[k] = v
            elif seen[k] == 2:
                problems.append((k, "repeated_field"))
    parsed = {}
    for f in FIELDS:
        reason = None
        if f not in first:
            reason = "missing" if f in REQUIRED else None
        elif first[f] is None:
            reason = "null" if f in REQUIRED else None
        elif not isinstance(first[f], str):
            problems.append((f, "not_a_string", json_type(first[f])))
            continue
        elif f == "OpenHouseKey" and first[f] == "":
            reason = "empty"
        elif f == "OpenHouseDate":
            reason, parsed[f] = check_date(first[f])
        elif f in TIMESTAMPS:
            reason, parsed[f] = check_timestamp(first[f])
        if reason:
            problems.append((f, reason))
    if problems:
        return problems, None
    for f in FIELDS:
        if f not in parsed:
            parsed[f] = first.get(f)  # plain strings (or None for absent optional fields)
    return [], parsed


# ---- feed splitting ----

def read_records(data):
    """-> (format, [value or 'malformed_json' marker]) or raises Invalid for a bad array."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    content = data.lstrip(b" \t\r\n")
    # An array when the first bracket is followed (past spaces and tabs) by a line end, an
    # object, an array, the closing bracket or the end: the layouts arrays of records have.
    after = content[1:].lstrip(b" \t")[:1]
    if content.startswith(b"[") and after in (b"", b"\n", b"\r", b"{", b"[", b"]"):
        try:
            return "array", parse_json(data)  # any flaw anywhere fails the whole run
        except (ValueError, RecursionError) as e:
            raise Invalid("malformed_array") from e
    records = []
    for line in data.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip(b" \t\r"):
            continue  # blank line: not a record
        try:
            records.append(parse_json(line))
        except (ValueError, RecursionError):
            records.append(MALFORMED)
    return "ndjson", records


MALFORMED = object()


def micros(nanos):
    return nanos // 1000  # floor, also for instants before 1970


def insights(rows, top_n):
    days = [r["_date"] for r in rows]
    weeks = {}
    for z in days:
        y, w, monday = iso_week(z)
        weeks.setdefault((y, w), [monday, 0])[1] += 1
    busiest = []
    if weeks:
        best = max(n for _, n in weeks.values())
        for (y, w), (monday, n) in sorted(weeks.items()):
            if n == best:
                busiest.append({"iso_year": y, "iso_week": w, "week_start": fmt_days(monday),
                                "week_end": fmt_days(monday + 6), "open_houses": n})
    zips = {}
    for r in rows:
        if r["Zip5"] is not None:
            zips[r["Zip5"]] = zips.get(r["Zip5"], 0) + 1
    top = []
    for z, n in sorted(zips.items(), key=lambda kv: (-kv[1], kv[0])):
        rank = 1 + sum(1 for m in zips.values() if m > n)
        if rank <= top_n:
            top.append({"rank": rank, "zipcode": z, "open_houses": n})
    daily = []
    if days:
        per_day = {}
        for z in days:
            per_day[z] = per_day.get(z, 0) + 1
        total = 0
        for z in range(min(days), max(days) + 1):
            total += per_day.get(z, 0)
            daily.append({"date": fmt_days(z), "open_houses": per_day.get(z, 0),
                          "cumulative_open_houses": total})
    return {"total_open_houses": len(rows), "busiest_weeks": busiest,
            "top_zipcodes": top, "daily_cumulative": daily}


def problem_json(problem):
    field, reason, *found = problem
    entry = {"field": field, "reason": reason}
    if found:
        entry["found"] = found[0]
    return entry


def run(data, top_n=TOP_N):
    try:
        fmt, records = read_records(data)
    except Invalid:
        return {"error": "malformed_array"}
    rejected, by_field, best = [], {}, {}
    for idx, value in enumerate(records):
        if value is MALFORMED:
            problems, fields = [(None, "malformed_json")], None
        else:
            problems, fields = check_record(value)
        if problems:
            rejected.append({"record": idx, "problems": [problem_json(p) for p in problems]})
            for f, r, *_ in problems:
                counts = by_field.setdefault(f or "record", {})
                counts[r] = counts.get(r, 0) + 1
            continue
        key = fields["OpenHouseKey"]
        rank = (fields["DateModified"], idx)  # later DateModified wins, then later record
        if key not in best or rank > best[key][0]:
            best[key] = (rank, idx, fields)
    rows = []
    for _, idx, f in best.values():
        zm = ZIP_RE.fullmatch(f["Zipcode"]) if f["Zipcode"] is not None else None
        rows.append({
            "OpenHouseKey": f["OpenHouseKey"], "ListingKey": f["ListingKey"],
            "OpenHouseMethod": f["OpenHouseMethod"], "State": f["State"],
            "Zipcode": f["Zipcode"], "Zip5": zm.group(1) if zm else None,
            "OpenHouseStartTime": micros(f["OpenHouseStartTime"]),
            "OpenHouseEndTime": micros(f["OpenHouseEndTime"]),
            "DateModified": micros(f["DateModified"]),
            "OpenHouseDate": fmt_days(f["OpenHouseDate"]), "record": idx,
            "_date": f["OpenHouseDate"],
        })
    rows.sort(key=lambda r: (r["_date"], r["OpenHouseKey"]))
    result_insights = insights(rows, top_n)
    for r in rows:
        del r["_date"]
    # Stable key order for readability: FIELD ORDER, then record-level.
    by_field = {k: by_field[k] for k in FIELDS + ["record"] if k in by_field}
    return {"format": fmt, "records_read": len(records),
            "records_valid": len(records) - len(rejected), "records_rejected": len(rejected),
            "rejected": rejected, "rejections_by_field": by_field,
            "open_houses": rows, "insights": result_insights}


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: reference.py FEED_PATH")
    with open(argv[1], "rb") as fh:
        data = fh.read()
    # ensure_ascii keeps stdout pure ASCII whatever the locale.
    json.dump(run(data), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
