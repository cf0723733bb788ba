"""The harness's results as Markdown that docs/performance.md can hold verbatim."""
import shlex

FORMAT_NAMES = {"ndjson": "NDJSON", "array": "JSON array"}


def megabytes(count):
    return f"{count / 1e6:,.0f} MB" if count >= 1e7 else f"{count / 1e6:,.1f} MB"


def ratio(value, base):
    return f"{value / base:.2f}x" if value is not None and base else "-"


def feed_label(feed):
    return f"{FORMAT_NAMES[feed['format']]}, {feed['events']:,} events ({megabytes(feed['feed_bytes'])})"


def openhouse(feed, settings):
    return feed["contenders"][f"openhouse@{settings['openhouse_threads']}"]


def peers(feed):
    return [(key, entry) for key, entry in feed["contenders"].items() if not key.startswith("openhouse@")]


def summary(results):
    names = {}
    for feed in results["feeds"]:
        for key, entry in peers(feed):
            names.setdefault(key, entry["name"])
    lines = ["| feed | openhouse | " + " | ".join(names.values()) + " |",
             "| --- " * (len(names) + 2) + "|"]
    for feed in results["feeds"]:
        base = openhouse(feed, results["settings"])
        cells = [feed_label(feed), cell(base)]
        for key in names:
            entry = feed["contenders"].get(key)
            if entry is None:
                cells.append("(no array reader)" if feed["format"] == "array" else "(not run)")
            elif entry["failure"]:
                cells.append(entry["failure"])
            else:
                cells.append(f"{entry['median_s']:.2f} s ({ratio(entry['median_s'], base['median_s'])}), "
                             f"{megabytes(entry['peak_rss_median_bytes'])} "
                             f"({ratio(entry['peak_rss_median_bytes'], base['peak_rss_median_bytes'])})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cell(entry):
    if entry["failure"]:
        return entry["failure"]
    return f"{entry['median_s']:.2f} s, {megabytes(entry['peak_rss_median_bytes'])}"


def details(results):
    lines = ["| feed | engine | time: median (min-max) | time ratio | peak RSS: median (max) | RSS ratio "
             "| Parquet | Parquet ratio | rows | rows against openhouse |",
             "| --- " * 10 + "|"]
    for feed in results["feeds"]:
        base = openhouse(feed, results["settings"])
        for key, entry in feed["contenders"].items():
            if key.startswith("openhouse@") and entry is not base:
                continue
            if entry["failure"]:
                lines.append(f"| {feed_label(feed)} | {entry['name']} | {entry['failure']} | | | | | | | |")
                continue
            seconds = [run["seconds"] for run in entry["runs"]]
            rows = entry["rows"]
            if base["rows"]:
                off = (rows - base["rows"]) / base["rows"]
                against = f"{off:+.3%}" + ("" if abs(off) <= 0.01 else " OFF BY MORE THAN 1%")
            else:
                against = "-"
            lines.append(
                f"| {feed_label(feed)} | {entry['name']} | {entry['median_s']:.2f} s ({min(seconds):.2f}-{max(seconds):.2f}) "
                f"| {ratio(entry['median_s'], base['median_s'])} "
                f"| {megabytes(entry['peak_rss_median_bytes'])} ({megabytes(entry['peak_rss_max_bytes'])}) "
                f"| {ratio(entry['peak_rss_median_bytes'], base['peak_rss_median_bytes'])} "
                f"| {megabytes(entry['parquet_bytes'])} | {ratio(entry['parquet_bytes'], base['parquet_bytes'])} "
                f"| {rows:,} | {against if entry is not base else ''} |")
    return "\n".join(lines)


def median(entry):
    """An entry's median time, or None when it failed or was not run."""
    return entry.get("median_s") if entry else None


def scaling(results):
    lines = ["| feed | openhouse --threads 1 | openhouse --threads 2 | 1 thread / 2 threads "
             "| --threads 1 on one core | one core / 2 threads | two of them at once, one core each "
             "| the host's ceiling |",
             "| --- " * 8 + "|"]
    for feed in results["feeds"]:
        one, two, core, pair = (feed["contenders"].get(f"openhouse@{key}")
                                for key in (1, 2, "one-core", "two-at-once"))
        if not one or not two:
            continue
        twice_core = 2 * median(core) if median(core) is not None else None
        cells = [cell(one), cell(two), ratio(median(one), median(two)),
                 cell(core) if core else "-", ratio(median(core), median(two)),
                 cell(pair) if pair else "-", ratio(twice_core, median(pair))]
        lines.append(f"| {feed_label(feed)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) if len(lines) > 2 else ""


def startup(results):
    parts = [f"{entry['name']} {entry['failure']}" if entry["failure"] else
             f"{entry['name']} {entry['median_s']:.2f} s, {megabytes(entry['peak_rss_median_bytes'])}"
             for entry in results["startup"].values()]
    return ("Start-up alone (interpreter, import, session; included in every run above), medians: "
            + "; ".join(parts) + ".")


def commands(results):
    """The commands run, with paths relative to the repository and $WORK for the temporary folder."""
    def short(command):
        return command.replace(results["work"], "$WORK").replace(results["root"] + "/", "")
    shown = [results["invocation"], "# each feed, in $WORK (a temporary folder):"]
    for feed in results["feeds"]:
        shown.append(short(feed["generate"]))
    seen = set()
    shown.append("# each run, a fresh process (the queries: .venv-peers/bin/python benches/peers/queries.py --show):")
    for feed in results["feeds"]:
        for entry in feed["contenders"].values():
            command = short(shlex.join(entry["argv"]))
            if command not in seen:
                seen.add(command)
                shown.append(command)
    return "```sh\n" + "\n".join(shown) + "\n```"


def markdown(results):
    machine = results["machine"]
    settings = results["settings"]
    versions = ", ".join(f"{package} {version}" for package, version in machine["versions"].items())
    build = f" (its `{settings['openhouse_build']}` build)" if "openhouse_build" in settings else ""
    sections = [
        f"Commit {machine['git_rev']}, {machine['date_utc']} UTC; {machine['nproc']} cores "
        f"({machine['cpu']}), {machine['memory_gb']} GB memory, {machine['os']}; {machine['rustc']}; "
        f"Python {machine['python']}: {versions}.",
        f"Medians of {settings['runs']} run{'s' * (settings['runs'] > 1)} per engine and feed, each a fresh process, the engines taking turns in "
        f"an order that rotates run by run; openhouse{build} with --threads {settings['openhouse_threads']}, every "
        f"peer at its default (all cores). Feeds from `generate --seed {settings['seed']} --invalid "
        f"{settings['invalid']}`. Ratios are peer / openhouse: above 1 means openhouse is faster or smaller. "
        f"Peak RSS is the process's ru_maxrss (for a peer, its Python process). MB = 10^6 bytes.",
        summary(results),
        details(results),
    ]
    table = scaling(results)
    if table:
        sections.append("openhouse's scaling (the same feeds, in the same rotation). The host's ceiling is "
                        "2 x (one core's time) / (two at once): what two cores gave two runs that share "
                        "nothing but the machine. One core / 2 threads is the job's own gain from one core "
                        "to two; --threads 1 alone also uses the second core for its reader thread:\n\n" + table)
    sections += [startup(results), commands(results)]
    return "\n\n".join(sections)
