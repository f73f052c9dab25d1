"""Turn the wrk results of one bench/run into a table: printed, and written as the "Web" section
of bench/BENCHMARKS.md (the other sections of that file are kept as they are).

Every endpoint's requests/s is also given as a ratio to the baseline (/bench/hello), measured
at the same number of connections right before the endpoint: machines are shared and noisy,
and their load drifts during a run; ratios of runs seconds apart travel.
The targets are those of the performance issue (#8).

Only the standard library; bench/run calls it with the results file (one JSON object a line).
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Web"
BASELINE = "baseline"
BASELINE_PATH = "/bench/hello"
P99_BUDGET_MS = 250
RSS_BUDGET_MB = 150
# (endpoint, visitor): the lowest acceptable requests/s as a fraction of the baseline's. Pages
# served from the shared cache to anyone: half the baseline; pages with a member's own state
# (their progress on the map, their reactions and menu on a thread): a fifth.
TARGETS = {
    ("home", "anonymous"): 0.5,
    ("roadmap list", "anonymous"): 0.5,
    ("roadmap map", "anonymous"): 0.5,
    ("topic page", "anonymous"): 0.5,
    ("thread list", "anonymous"): 0.5,
    ("thread, 200 comments", "anonymous"): 0.5,
    ("search", "anonymous"): 0.5,
    ("profile, calendar", "anonymous"): 0.5,
    ("roadmap map", "signed in"): 0.2,
    ("thread, 200 comments", "signed in"): 0.2,
    ("profile, calendar", "signed in"): 0.2,
    ("insights", "mentor"): 0.2,
}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def errors(wrk: dict) -> int:
    return sum(
        wrk[key] for key in ("http_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
    )


def is_measured(result: dict | None) -> bool:
    return bool(result and result["status"] == "ok" and result["wrk"]["requests"])


def ratio(result: dict) -> float | None:
    """The endpoint's requests/s over those of the baseline run just before it."""
    baseline = result.get("baseline")
    if not is_measured(result) or not baseline or not baseline["rps"]:
        return None
    return result["wrk"]["rps"] / baseline["rps"]


def cells(result: dict | None) -> list[str]:
    if result is None:
        return ["", "", "", "", ""]
    if result["status"] != "ok":
        return [result["status"], "", "", "", ""]
    wrk = result["wrk"]
    value = ratio(result)
    return [
        f"{wrk['rps']:,.0f}",
        "" if value is None else f"{value:.3f}",
        f"{wrk['p50_ms']:.0f}",
        f"{wrk['p99_ms']:.0f}",
        str(errors(wrk)),
    ]


def baseline_cells(runs: list[dict]) -> list[str]:
    """The baseline's runs at one level: median requests/s (lowest to highest), median p50,
    highest p99, all errors."""
    if not runs:
        return ["", "", "", "", ""]
    rates = [run["rps"] for run in runs]
    return [
        f"{statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f})",
        "1",
        f"{statistics.median(run['p50_ms'] for run in runs):.0f}",
        f"{max(run['p99_ms'] for run in runs):.0f}",
        str(sum(errors(run) for run in runs)),
    ]


def verdict(key, runs: dict[int, dict]) -> tuple[str, str]:
    """(target, "yes"/"no"/"n/a"): the target ratio at every connection count, 0 errors, and
    p99 under the budget at the most connections."""
    target = TARGETS.get(key[:2])
    shown = f"≥ {target}×" if target else ""
    if all(run["status"] == "n/a" for run in runs.values()):
        return shown, "n/a"
    if not all(is_measured(run) for run in runs.values()):
        return shown, "no"
    is_met = all(errors(run["wrk"]) == 0 for run in runs.values())
    is_met = is_met and runs[max(runs)]["wrk"]["p99_ms"] < P99_BUDGET_MS
    if target:
        is_met = is_met and all((ratio(run) or 0) >= target for run in runs.values())
    return shown, "yes" if is_met else "no"


def table(results: list[dict]) -> list[str]:
    levels = sorted({result["connections"] for result in results})
    header = ["endpoint", "visitor"]
    for connections in levels:
        header += [f"req/s @{connections}", "× baseline", "p50 ms", "p99 ms", "errors"]
    header += ["target", "meets"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    row = [f"{BASELINE} `{BASELINE_PATH}`", "anonymous"]
    for connections in levels:
        row += baseline_cells(
            [r["baseline"] for r in results if r["connections"] == connections and r.get("baseline")]
        )
    lines.append("| " + " | ".join(row + ["", ""]) + " |")
    keys = list(dict.fromkeys((r["name"], r["visitor"], r["path"]) for r in results))
    by_key = {(r["name"], r["visitor"], r["path"], r["connections"]): r for r in results}
    for key in keys:
        name, visitor, path = key
        runs = {c: by_key[(*key, c)] for c in levels if (*key, c) in by_key}
        row = [f"{name} `{path}`", visitor]
        for connections in levels:
            row += cells(runs.get(connections))
        row += list(verdict(key, runs))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        memory = f", {int(match.group(1)) / 1024 / 1024:.1f} GiB memory" if match else ""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = f" ({match.group(1).strip()})" if match else ""
    return f"{os.cpu_count()} CPUs{model}{memory}, {platform.system()} {platform.release()}"


def _peak_reached(results: list[dict], peak_kb: int) -> str:
    """Which run first brought a worker to the peak (memory is sampled every second)."""
    for index, result in enumerate(results):
        if peak_kb and result.get("peak_rss_kb", 0) >= peak_kb:
            if index == 0:
                return "; the peak was reached during the warm-up, which loads every endpoint"
            return f"; the peak was reached by the run of {result['name']} ({result['visitor']}) at {result['connections']} connections"
    return ""


def _load_average() -> str:
    loadavg = Path("/proc/loadavg")
    return loadavg.read_text().split()[0] if loadavg.exists() else "unknown"


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return (
        f"{head} plus uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else head
    )


def section(results: list[dict], options) -> str:
    peak_mb = options.peak_rss_kb / 1024
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit()} with `{options.command}`.",
        "",
        f"- Machine: {machine()}; everything (wrk, gunicorn, PostgreSQL, Redis) on this one machine.",
        f"- Site: gunicorn, {options.workers} sync workers, `DEBUG=false`, PostgreSQL, Redis cache and sessions.",
        f"- Load: wrk, {options.threads} threads, {options.duration} s per endpoint run, each right after "
        f"a {options.baseline_duration} s run of the baseline, at "
        + " and ".join(str(c) for c in sorted({r["connections"] for r in results}))
        + " connections, after a warm-up of every endpoint. Load average (1 min) of the machine: "
        + f"{options.load_before} before, {_load_average()} after ({os.cpu_count()} would fill its CPUs).",
        f"- Data: {options.dataset}.",
        f"- Memory (RSS) of a web worker: {peak_mb:.0f} MB at most while serving these pages (budget "
        f"{RSS_BUDGET_MB} MB: " + ("met" if peak_mb < RSS_BUDGET_MB else "not met") + "), "
        f"{options.idle_rss_kb / 1024:.0f} MB idle (the preloaded app it shares with the gunicorn master "
        f"included){_peak_reached(results, options.peak_rss_kb)}. Signing a user in peaks at "
        f"{options.sign_in_rss_kb / 1024:.0f} MB: Argon2 hashing with Django's default memory_cost "
        "(100 MiB); the runs use fresh workers.",
        "",
        *table(results),
        "",
        "× baseline: the endpoint's requests/s over those of `/bench/hello` (no database, no cache) "
        "measured just before it at the same connections; the baseline row gives the median of those "
        "runs (lowest–highest). Errors: 4xx/5xx responses plus socket errors and "
        f"timeouts (10 s). Meets: the target ratio at every level, 0 errors, p99 under {P99_BUDGET_MS} ms "
        "at the most connections. n/a: the endpoint answered 404 (not built yet). With closed-loop load "
        "a request waits for the ones ahead of it, so p99 at 64 connections cannot be lower than about "
        "64 / (requests/s).",
        "",
    ]
    return "\n".join(lines)


def replace_section(text: str, new_section: str) -> str:
    """`text` with its "## Web" section (up to the next level-2 heading) replaced, or appended."""
    pattern = re.compile(rf"^{re.escape(HEADING)}[ \t]*\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: new_section + "\n", text, count=1).rstrip() + "\n"
    return text.rstrip() + "\n\n" + new_section


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="one JSON object per wrk run")
    parser.add_argument("--write", type=Path, help="the BENCHMARKS.md whose Web section to replace")
    parser.add_argument("--command", default="bash bench/run")
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--duration", type=int, required=True)
    parser.add_argument("--dataset", default="unknown")
    parser.add_argument("--peak-rss-kb", type=int, default=0)
    parser.add_argument("--idle-rss-kb", type=int, default=0)
    parser.add_argument("--sign-in-rss-kb", type=int, default=0)
    parser.add_argument("--baseline-duration", type=int, required=True)
    parser.add_argument("--load-before", default="unknown")
    options = parser.parse_args(argv)

    text = section(load(options.results), options)
    print(text)
    if options.write:
        current = options.write.read_text() if options.write.exists() else "# Benchmarks\n"
        options.write.write_text(replace_section(current, text))
        print(f"Wrote the Web section of {options.write}.")


if __name__ == "__main__":
    main()
