"""Turn the wrk results of one bench/run into a table: printed, and written as the "Web" section
of bench/BENCHMARKS.md (the other sections of that file are kept as they are).

Every endpoint's requests/s is also given as two ratios, each to a baseline measured at the same
number of connections right before the endpoint: the bare Django hello (bench/bare: no
middleware, no database, the physical limit) and /bench/hello (the whole middleware stack, no
database, no cache). Machines are shared and noisy, and their load drifts during a run; ratios
of runs seconds apart travel. The targets are those of the performance issues (#8, #23), and
are taken against the bare hello.

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
BARE = "bare Django hello"
BARE_PATH = "/hello"
P99_BUDGET_MS = 100
RSS_BUDGET_MB = 150
# (endpoint, visitor): the lowest acceptable requests/s as a fraction of the bare hello's.
# /bench/hello, the stack alone: 0.8. Pages served from the shared cache to anyone: 0.8 as
# well; pages with a member's own state (their progress on the map, their reactions and menu
# on a thread): 0.3.
TARGETS = {
    (BASELINE, "anonymous"): 0.8,
    ("home", "anonymous"): 0.8,
    ("roadmap list", "anonymous"): 0.8,
    ("roadmap map", "anonymous"): 0.8,
    ("topic page", "anonymous"): 0.8,
    ("thread list", "anonymous"): 0.8,
    ("thread, 200 comments", "anonymous"): 0.8,
    ("search", "anonymous"): 0.8,
    ("profile, calendar", "anonymous"): 0.8,
    ("roadmap map", "signed in"): 0.3,
    ("thread, 200 comments", "signed in"): 0.3,
    ("profile, calendar", "signed in"): 0.3,
    ("insights", "mentor"): 0.3,
}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def errors(wrk: dict) -> int:
    return sum(
        wrk[key] for key in ("http_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
    )


def is_measured(result: dict | None) -> bool:
    return bool(result and result["status"] == "ok" and result["wrk"]["requests"])


def ratio(result: dict, to: str = "baseline") -> float | None:
    """The endpoint's requests/s over those of the run of `to` ("baseline" or "bare") just
    before it."""
    before = result.get(to)
    if not is_measured(result) or not before or not before["rps"]:
        return None
    return result["wrk"]["rps"] / before["rps"]


def _ratio_cell(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def cells(result: dict | None) -> list[str]:
    if result is None:
        return ["", "", "", "", "", ""]
    if result["status"] != "ok":
        return [result["status"], "", "", "", "", ""]
    wrk = result["wrk"]
    return [
        f"{wrk['rps']:,.0f}",
        _ratio_cell(ratio(result, "bare")),
        _ratio_cell(ratio(result)),
        f"{wrk['p50_ms']:.0f}",
        f"{wrk['p99_ms']:.0f}",
        str(errors(wrk)),
    ]


def baseline_cells(pairs: list[tuple[dict, dict | None]], *, is_bare: bool) -> list[str]:
    """One baseline's runs at one level, given as (run, the bare hello's run before it): median
    requests/s (lowest to highest), the median ratio to the bare hello, median p50, highest
    p99, all errors."""
    if not pairs:
        return ["", "", "", "", "", ""]
    runs = [run for run, _ in pairs]
    rates = [run["rps"] for run in runs]
    to_bare = [run["rps"] / bare["rps"] for run, bare in pairs if bare and bare["rps"]]
    return [
        f"{statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f})",
        "1" if is_bare else _ratio_cell(statistics.median(to_bare) if to_bare else None),
        "" if is_bare else "1",
        f"{statistics.median(run['p50_ms'] for run in runs):.0f}",
        f"{max(run['p99_ms'] for run in runs):.0f}",
        str(sum(errors(run) for run in runs)),
    ]


def _meets(target: float | None, ratios: list[float | None], p99_ms: float, error_count: int) -> str:
    is_met = error_count == 0 and p99_ms < P99_BUDGET_MS
    if target:
        is_met = is_met and all((value or 0) >= target for value in ratios)
    return "yes" if is_met else "no"


def verdict(key, runs: dict[int, dict]) -> tuple[str, str]:
    """(target, "yes"/"no"/"n/a"): the target ratio to the bare hello at every connection
    count, 0 errors, and p99 under the budget at the most connections."""
    target = TARGETS.get(key[:2])
    shown = f"≥ {target}× bare" if target else ""
    if all(run["status"] == "n/a" for run in runs.values()):
        return shown, "n/a"
    if not all(is_measured(run) for run in runs.values()):
        return shown, "no"
    return shown, _meets(
        target,
        [ratio(run, "bare") for run in runs.values()],
        runs[max(runs)]["wrk"]["p99_ms"],
        sum(errors(run["wrk"]) for run in runs.values()),
    )


def baseline_verdict(results: list[dict], levels: list[int]) -> tuple[str, str]:
    """/bench/hello's own target: its median ratio to the bare hello at every level."""
    target = TARGETS[(BASELINE, "anonymous")]
    ratios, p99_ms, error_count = [], 0.0, 0
    for connections in levels:
        pairs = [
            (r["baseline"], r.get("bare"))
            for r in results
            if r["connections"] == connections and r.get("baseline")
        ]
        to_bare = [run["rps"] / bare["rps"] for run, bare in pairs if bare and bare["rps"]]
        if not to_bare:
            return "", ""
        ratios.append(statistics.median(to_bare))
        error_count += sum(errors(run) for run, _ in pairs)
        if connections == max(levels):
            p99_ms = max(run["p99_ms"] for run, _ in pairs)
    return f"≥ {target}× bare", _meets(target, ratios, p99_ms, error_count)


def table(results: list[dict]) -> list[str]:
    levels = sorted({result["connections"] for result in results})
    header = ["endpoint", "visitor"]
    for connections in levels:
        header += [f"req/s @{connections}", "× bare", "× baseline", "p50 ms", "p99 ms", "errors"]
    header += ["target", "meets"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    if any(r.get("bare") for r in results):
        row = [f"{BARE} `{BARE_PATH}`", "anonymous"]
        for connections in levels:
            row += baseline_cells(
                [(r["bare"], None) for r in results if r["connections"] == connections and r.get("bare")],
                is_bare=True,
            )
        lines.append("| " + " | ".join(row + ["", ""]) + " |")
    row = [f"{BASELINE} `{BASELINE_PATH}`", "anonymous"]
    for connections in levels:
        row += baseline_cells(
            [
                (r["baseline"], r.get("bare"))
                for r in results
                if r["connections"] == connections and r.get("baseline")
            ],
            is_bare=False,
        )
    lines.append("| " + " | ".join(row + list(baseline_verdict(results, levels))) + " |")
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
        f"- Site: gunicorn, {options.workers} sync workers, `DEBUG=false`, PostgreSQL, Redis cache and sessions; "
        f"the bare hello (bench/bare) from a second gunicorn with the same settings.",
        f"- Load: wrk, {options.threads} threads, {options.duration} s per endpoint run, each right after "
        f"a {options.baseline_duration} s run of the bare hello and one of the baseline, at "
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
        "× bare: the endpoint's requests/s over those of the bare Django hello (no middleware, no "
        "database: the physical limit); × baseline: over those of `/bench/hello` (the whole middleware "
        "stack, no database, no cache); each measured just before it at the same connections. The two "
        "baseline rows give the median of those runs (lowest–highest). Errors: 4xx/5xx responses plus "
        f"socket errors and timeouts (10 s). Meets: the target ratio to the bare hello at every level, 0 "
        f"errors, p99 under {P99_BUDGET_MS} ms "
        "at the most connections. n/a: the endpoint answered 404 (not built yet). With closed-loop load "
        "a request waits for the ones ahead of it, so p99 at 64 connections cannot be lower than about "
        "64 / (requests/s).",
        "",
    ]
    return "\n".join(lines)


def replace_section(text: str, new_section: str, *, heading: str = HEADING) -> str:
    """`text` with its `heading` section (up to the next level-2 heading) replaced, or appended."""
    pattern = re.compile(rf"^{re.escape(heading)}[ \t]*\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
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
