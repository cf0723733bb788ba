#!/usr/bin/env python3
"""Capacity arithmetic for docs/platform-design.md.

Prints, as Markdown, every table of numbers that the platform design quotes: the
assumptions, the IoT path at X = 1, 10 and 60 seconds from 1 to 1,000,000,000 devices,
storage by retention tier and the cost drivers at a billion devices, the wire overhead of
HTTPS and MQTT, and the MLS batch path. Each table starts with an HTML comment naming it,
so the document can quote it verbatim and tests/platform_design.rs can check that it does.

    python3 scripts/capacity.py

Standard library only. Every number below is an assumption from general knowledge, stated
once here and printed in the assumptions table; change one and re-run, then paste the
tables into the document (the test fails until the document matches).
"""

import argparse
import math

# --- Assumptions (each defined once; ASSUMPTIONS below prints them with the reason) ---

DEVICE_COUNTS = [1, 1_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
INTERVALS_S = [1, 10, 60]

READING_BYTES = 200  # one reading as the broker carries it: envelope, ids, 4-5 measurements
STORED_BYTES = 25  # one deduplicated reading in Parquet (zstd, sorted by device and time)
BATCH_WINDOW_S = 10  # a device publishes at most every 10 s, batching faster readings
PARTITION_BYTES_PER_S = 5_000_000  # planning write rate of one Kafka partition
BROKER_BYTES_PER_S = 100_000_000  # produce traffic one broker sustains with replication factor 3
MIN_BROKERS = 3  # replication factor 3 needs three brokers
MQTT_CONNECTIONS_PER_NODE = 1_000_000  # concurrent TLS connections one MQTT node holds
MQTT_PUBLISHES_PER_NODE = 50_000  # QoS 1 publishes per second one MQTT node handles
MIN_MQTT_NODES = 2  # one node may fail
READINGS_PER_CORE = 20_000  # readings/s one stream-processor core validates, dedups, rolls up

HOT_DAYS = 7  # raw readings in standard object storage
WARM_DAYS = 90  # raw readings in infrequent-access storage until this age
COLD_DAYS = 730  # raw readings in archive storage until this age, then deleted
ROLLUP_BYTES = 60  # one hourly rollup row per device in Parquet
ROLLUP_DAYS = 395  # hourly rollups kept 13 months
PRICE_STANDARD = 0.023  # $/GB-month, object storage standard class
PRICE_INFREQUENT = 0.0125  # $/GB-month, infrequent-access class
PRICE_ARCHIVE = 0.004  # $/GB-month, archive class with instant retrieval
ZONE_CROSSINGS = 2 + 2 / 3  # two replicas in other zones + producers reaching a leader elsewhere
PRICE_CROSS_ZONE = 0.02  # $/GB crossing zones (charged on both sides)
MONTH_S = 30 * 86_400

TLS_HANDSHAKE_BYTES = 6_000  # TLS 1.3 full handshake with server and client certificate chains
HTTP_HEADER_BYTES = 500  # HTTP/1.1 request and response headers of one POST
TLS_RECORD_BYTES = 22  # TLS 1.3 record header, content type and AEAD tag, each direction
MQTT_PUBLISH_BYTES = 34  # MQTT 5 PUBLISH header (topic, packet id, properties) + PUBACK

MLS_PROVIDERS = 500
MLS_DELIVERY_MIN = 10  # the most frequent delivery schedule
MLS_EVENTS_PER_DELIVERY = 1_000
MLS_EVENT_BYTES = 400  # one event in a pretty-printed JSON array, 32-hex keys
MLS_ROWS_PER_YEAR = 10_000_000
MLS_ROW_BYTES = 100  # one open house in the zstd Parquet table
MLS_MONTHS_PER_BATCH = 3  # month partitions one batch touches
MLS_MERGE_CYCLE_MIN = 10  # pending deliveries merged in one commit this often

ASSUMPTIONS = [
    ("reading size at the broker", f"{READING_BYTES} B",
     "envelope, device id, sequence, two timestamps, 4-5 measurements, binary-encoded; no producer compression counted"),
    ("reading size stored", f"{STORED_BYTES} B",
     f"Parquet + zstd sorted by device and time, {READING_BYTES // STORED_BYTES}:1; sensor data commonly compresses 5-15:1"),
    ("device batch window", f"{BATCH_WINDOW_S} s",
     f"a device publishes every max(X, {BATCH_WINDOW_S} s), so X = 1 s sends 10 readings per publish"),
    ("Kafka partition write rate", f"{PARTITION_BYTES_PER_S // 1_000_000} MB/s",
     "half of the ~10 MB/s often used for planning, leaving room for replays and catch-up"),
    ("Kafka broker produce rate", f"{BROKER_BYTES_PER_S // 1_000_000} MB/s",
     f"replication factor 3 triples disk and network writes; at least {MIN_BROKERS} brokers"),
    ("MQTT node capacity", f"{MQTT_CONNECTIONS_PER_NODE:,} connections, {MQTT_PUBLISHES_PER_NODE:,} publishes/s",
     f"below published EMQX/HiveMQ cluster benchmarks per node; at least {MIN_MQTT_NODES} nodes"),
    ("stream-processor core", f"{READINGS_PER_CORE:,} readings/s",
     "decode, validate, dedup on (device id, sequence) in RocksDB state, 1-minute rollup, Parquet write"),
    ("retention", f"raw {HOT_DAYS} d hot, to {WARM_DAYS} d warm, to {COLD_DAYS} d cold; hourly rollups {ROLLUP_DAYS} d",
     "a default to confirm with the product team; billing or regulation may need longer"),
    ("hourly rollup row", f"{ROLLUP_BYTES} B", "count, min, max, mean, last of each measurement, compressed"),
    ("object storage price", f"${PRICE_STANDARD} / ${PRICE_INFREQUENT} / ${PRICE_ARCHIVE} per GB-month",
     "standard / infrequent access / archive with instant retrieval, public list prices, order of magnitude"),
    ("cross-zone transfer", f"${PRICE_CROSS_ZONE} per GB, {ZONE_CROSSINGS:.2f} crossings per byte",
     "three zones: two replicas elsewhere, 2/3 of producers reach a leader elsewhere, consumers fetch in-zone"),
    ("TLS and HTTP overhead", f"handshake {TLS_HANDSHAKE_BYTES:,} B, headers {HTTP_HEADER_BYTES} B, record {TLS_RECORD_BYTES} B",
     "TLS 1.3 with certificate chains both ways (mTLS); HTTP/1.1 POST and its response"),
    ("MQTT overhead", f"{MQTT_PUBLISH_BYTES} B per publish", "MQTT 5 PUBLISH QoS 1 with a ~20-byte topic, and its PUBACK"),
    ("MLS feeds", f"{MLS_PROVIDERS} providers, every {MLS_DELIVERY_MIN} min, {MLS_EVENTS_PER_DELIVERY:,} events each",
     "the busiest schedule the brief names; incremental deliveries"),
    ("MLS sizes", f"{MLS_EVENT_BYTES} B per JSON event, {MLS_ROW_BYTES} B per Parquet row",
     "a pretty-printed feed with 32-hex keys is ~400 B per event (issue 5); keys dominate the Parquet row"),
    ("MLS table", f"{MLS_ROWS_PER_YEAR:,} open houses a year, {MLS_MONTHS_PER_BATCH} months per batch",
     "listings nationwide with a few open houses each; a batch mostly touches the coming weeks"),
]


# --- Formatting ---

def count(n):
    """An integer with thousands separators (rounded up: capacity is never fractional)."""
    return f"{math.ceil(n):,}"


def rate(value):
    """A rate per second: whole numbers with separators from 100 up, else three significant digits."""
    if value >= 99.5:
        return f"{round(value):,}"
    return f"{value:.3g}"


def si(value, unit):
    """A value with a decimal SI prefix and three significant digits: 2.16 PB."""
    for prefix in ["", "k", "M", "G", "T", "P", "E"]:
        if abs(value) < 999.5 or prefix == "E":
            break
        value /= 1000
    digits = 0 if value >= 99.95 else 1 if value >= 9.995 else 2
    return f"{value:.{digits}f} {prefix}{unit}"


def dollars(value):
    """Dollars rounded to three significant digits, with a k/M suffix."""
    for suffix, scale in [("M", 1e6), ("k", 1e3)]:
        if value >= scale:
            return "$" + si(value / scale, "").strip() + suffix
    return f"${value:.2f}"


def table(name, header, rows):
    """A Markdown table introduced by the comment that names it in the document."""
    lines = [f"<!-- scripts/capacity.py: {name} -->", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(" --- " for _ in header) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


# --- The arithmetic ---

def iot(devices, interval_s):
    """Load and sizing of the IoT path for a fleet posting every interval_s seconds."""
    readings = devices / interval_s
    publishes = devices / max(interval_s, BATCH_WINDOW_S)
    ingress = readings * READING_BYTES
    stored_day = readings * 86_400 * STORED_BYTES
    return {
        "readings": readings,
        "ingress": ingress,
        "mqtt_nodes": max(MIN_MQTT_NODES, math.ceil(devices / MQTT_CONNECTIONS_PER_NODE),
                          math.ceil(publishes / MQTT_PUBLISHES_PER_NODE)),
        "partitions": math.ceil(ingress / PARTITION_BYTES_PER_S),
        "brokers": max(MIN_BROKERS, math.ceil(ingress / BROKER_BYTES_PER_S)),
        "cores": math.ceil(readings / READINGS_PER_CORE),
        "stored_day": stored_day,
        "stored_year": stored_day * 365,
    }


def tiers(devices, interval_s):
    """Steady-state bytes in each retention tier."""
    day = iot(devices, interval_s)["stored_day"]
    hot = day * HOT_DAYS
    warm = day * (WARM_DAYS - HOT_DAYS)
    cold = day * (COLD_DAYS - WARM_DAYS)
    rollups = devices * 24 * ROLLUP_BYTES * ROLLUP_DAYS
    return hot, warm, cold, rollups


def storage_dollars(devices, interval_s):
    """Object-storage bill per month for the steady state of every tier."""
    hot, warm, cold, rollups = tiers(devices, interval_s)
    gb = 1e9
    return ((hot + rollups) / gb * PRICE_STANDARD + warm / gb * PRICE_INFREQUENT
            + cold / gb * PRICE_ARCHIVE)


def transfer_dollars(devices, interval_s):
    """Cross-zone transfer bill per month of the Kafka traffic."""
    ingress = iot(devices, interval_s)["ingress"]
    return ingress * MONTH_S * ZONE_CROSSINGS / 1e9 * PRICE_CROSS_ZONE


# --- The tables ---

def assumptions_table():
    return table("assumptions", ["assumption", "value", "why"],
                 [(name, value, why) for name, value, why in ASSUMPTIONS])


def iot_table(interval_s):
    rows = []
    for devices in DEVICE_COUNTS:
        s = iot(devices, interval_s)
        rows.append((count(devices), rate(s["readings"]), si(s["ingress"], "B/s"),
                     count(s["mqtt_nodes"]), count(s["partitions"]), count(s["brokers"]),
                     count(s["cores"]), si(s["stored_day"], "B"), si(s["stored_year"], "B")))
    header = ["devices", "readings/s", "ingress", "MQTT nodes", "Kafka partitions",
              "Kafka brokers", "stream cores", "stored/day", "stored/year"]
    return table(f"iot-x{interval_s}", header, rows)


def tiers_table(devices):
    rows = []
    for interval_s in INTERVALS_S:
        hot, warm, cold, rollups = tiers(devices, interval_s)
        rows.append((f"{interval_s} s", si(hot, "B"), si(warm, "B"), si(cold, "B"),
                     si(rollups, "B"), si(hot + warm + cold + rollups, "B")))
    header = ["X", f"hot: raw, {HOT_DAYS} d", f"warm: raw, to {WARM_DAYS} d",
              f"cold: raw, to {COLD_DAYS} d", f"hourly rollups, {ROLLUP_DAYS} d", "total"]
    return table("tiers-1b", header, rows)


def cost_table(devices):
    rows = []
    for interval_s in INTERVALS_S:
        s = iot(devices, interval_s)
        rows.append((f"{interval_s} s", dollars(storage_dollars(devices, interval_s)),
                     dollars(transfer_dollars(devices, interval_s)), count(s["mqtt_nodes"]),
                     count(s["brokers"]), count(s["cores"])))
    header = ["X", "storage/month", "Kafka cross-zone transfer/month", "MQTT nodes",
              "Kafka brokers", "stream cores"]
    return table("cost-1b", header, rows)


def protocols_table():
    rows = []
    options = [
        ("HTTPS, new TLS connection per post", TLS_HANDSHAKE_BYTES + HTTP_HEADER_BYTES + 2 * TLS_RECORD_BYTES, True),
        ("HTTPS, kept-alive connection", HTTP_HEADER_BYTES + 2 * TLS_RECORD_BYTES, False),
        ("MQTT 5 QoS 1, persistent connection", MQTT_PUBLISH_BYTES + 2 * TLS_RECORD_BYTES, False),
    ]
    for name, overhead, handshake_each_post in options:
        per_reading = []
        for interval_s in [1, 10]:
            readings_per_publish = max(interval_s, BATCH_WINDOW_S) / interval_s
            per_reading.append(si(READING_BYTES + overhead / readings_per_publish, "B"))
        publishes = 1_000_000 / max(10, BATCH_WINDOW_S)
        handshakes = count(publishes) if handshake_each_post else "0 (reconnects only)"
        rows.append((name, f"{overhead:,} B", per_reading[0], per_reading[1], handshakes))
    header = ["protocol", "overhead per publish", "wire bytes per reading, X = 1 s",
              "wire bytes per reading, X = 10 s", "TLS handshakes/s per 1,000,000 devices, X = 10 s"]
    return table("protocols", header, rows)


def mls_table():
    deliveries = MLS_PROVIDERS * 60 / MLS_DELIVERY_MIN
    events = deliveries * MLS_EVENTS_PER_DELIVERY
    partition = MLS_ROWS_PER_YEAR / 12 * MLS_ROW_BYTES
    rewrite = MLS_MONTHS_PER_BATCH * partition
    cycles = 60 / MLS_MERGE_CYCLE_MIN
    rows = [
        ("deliveries per hour (busiest schedule)", count(deliveries)),
        ("events per hour", count(events)),
        ("feed bytes per hour", si(events * MLS_EVENT_BYTES, "B")),
        ("events per second, averaged over the hour", rate(events / 3600)),
        ("table rows added per year", count(MLS_ROWS_PER_YEAR)),
        ("table bytes per year", si(MLS_ROWS_PER_YEAR * MLS_ROW_BYTES, "B")),
        ("one month partition", si(partition, "B")),
        ("rewritten by one commit", si(rewrite, "B")),
        ("rewritten per hour, one commit per delivery", si(deliveries * rewrite, "B")),
        (f"rewritten per hour, one commit every {MLS_MERGE_CYCLE_MIN} min", si(cycles * rewrite, "B")),
    ]
    return table("mls", ["MLS batch path", "value"], rows)


def main():
    argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    tables = [assumptions_table()]
    tables.extend(iot_table(x) for x in INTERVALS_S)
    tables.extend([tiers_table(1_000_000_000), cost_table(1_000_000_000), protocols_table(),
                   mls_table()])
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
