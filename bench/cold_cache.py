"""A hot thread on a cold cache: the first seconds after a deploy or a Redis restart, against
the same thread once warm.

    .venv/bin/python bench/cold_cache.py [--database stepwise_bench] [--redis-url redis://127.0.0.1:6379/2]
        [--seconds 5] [--connections 16] [--runs 3] [--workers N] [--port 8775] [--write]

Needs the bench data set (bash bench/run seeds it) and wrk. Each run starts gunicorn as bench/run
does (gunicorn.conf.py, DEBUG=false, PostgreSQL, Redis), with the Redis database emptied (it
belongs to the benchmark) and fresh workers, so that no page and no version token is cached
anywhere. Then it loads the 200-comment thread anonymously with wrk for --seconds (cold), and
again for as long (warm), and stops gunicorn. The aim (issue 23): cold at least 0.8 of the warm
rate, cold p99 under 500 ms, 0 errors. With --write, the table replaces the "Cold cache" section
of bench/BENCHMARKS.md.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Cold cache"
RATIO_TARGET = 0.8
P99_TARGET_MS = 500


def site_environment(*, database: str, redis_url: str) -> dict:
    """The environment bench/run serves the site with: production settings on the bench data,
    with a secret key kept in var/bench for this machine."""
    secret = ROOT / "var/bench/secret-key"
    secret.parent.mkdir(parents=True, exist_ok=True)
    if not secret.exists():
        secret.write_text(os.urandom(36).hex())
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": f"bench-only-{secret.read_text().strip()}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "BENCH_ENDPOINTS": "true",
        "LOG_LEVEL": "WARNING",
    }


def dataset_facts(environment: dict) -> dict[str, str]:
    output = subprocess.run(
        [sys.executable, "bench/dataset.py"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    facts = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    if facts.get("bench_users", "0") == "0":
        raise SystemExit("cold_cache: the database holds no bench data; run bash bench/run first")
    return {name: value.strip("'") for name, value in facts.items()}


def wrk(url: str, *, seconds: int, connections: int, headers: list[str] = ()) -> dict:
    header_args = [argument for header in headers for argument in ("-H", header)]
    output = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            "bench/report.lua",
            *header_args,
            url,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = re.search(r"^JSON (.+)$", output, re.MULTILINE)
    if not found:
        raise SystemExit(f"cold_cache: no report from wrk: {output}")
    return json.loads(found.group(1))


def errors(report: dict) -> int:
    return sum(
        report[key] for key in ("http_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
    )


def serve(
    environment: dict,
    *,
    port: int,
    workers: int,
    cwd: Path = ROOT,
    log_name: str = "gunicorn-cold.log",
    ready_path: str = "/healthz",
) -> subprocess.Popen:
    """gunicorn as bench/run starts it, serving the checkout at `cwd`, once `ready_path` answers."""
    log_path = ROOT / "var/bench" / log_name
    log = log_path.open("ab")  # closed with the process
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py", "config.wsgi"],
        cwd=cwd,
        env={
            **environment,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
        },
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log_path.relative_to(ROOT)}") from None
            time.sleep(0.3)
    raise SystemExit(
        f"gunicorn did not answer {ready_path} within a minute; see {log_path.relative_to(ROOT)}"
    )


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)


def one_run(environment: dict, options, url: str) -> tuple[dict, dict]:
    subprocess.run(["redis-cli", "-u", options.redis_url, "flushdb"], check=True, capture_output=True)
    server = serve(environment, port=options.port, workers=options.workers)
    try:
        cold = wrk(url, seconds=options.seconds, connections=options.connections)
        warm = wrk(url, seconds=options.seconds, connections=options.connections)
    finally:
        stop(server)
    return cold, warm


def table(runs: list[tuple[dict, dict]]) -> list[str]:
    lines = [
        "| run | cold req/s | cold p50 ms | cold p99 ms | warm req/s | warm p99 ms | cold ÷ warm | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, (cold, warm) in enumerate(runs, start=1):
        lines.append(
            f"| {number} | {cold['rps']:,.0f} | {cold['p50_ms']:.0f} | {cold['p99_ms']:.0f} | {warm['rps']:,.0f} "
            f"| {warm['p99_ms']:.0f} | {cold['rps'] / warm['rps']:.2f} | {errors(cold) + errors(warm)} |"
        )
    return lines


def section(runs, options, path: str, load_before: str) -> str:
    ratios = [cold["rps"] / warm["rps"] for cold, warm in runs]
    worst_p99 = max(cold["p99_ms"] for cold, _ in runs)
    is_met = (
        statistics.median(ratios) >= RATIO_TARGET
        and worst_p99 < P99_TARGET_MS
        and not any(errors(cold) + errors(warm) for cold, warm in runs)
    )
    return "\n".join(
        [
            HEADING,
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python bench/cold_cache.py "
            f"--seconds {options.seconds} --connections {options.connections} --runs {options.runs}` "
            f"({options.workers} sync workers, wrk on the same machine; load average {load_before} before, "
            f"{os.getloadavg()[0]:.2f} after).",
            "",
            f"`{path}` anonymously: the first {options.seconds} s after gunicorn starts on an emptied "
            f"Redis (cold), then the next {options.seconds} s (warm), at {options.connections} connections.",
            "",
            *table(runs),
            "",
            f"Aim: cold at least {RATIO_TARGET}× the warm rate (median {statistics.median(ratios):.2f}), "
            f"cold p99 under {P99_TARGET_MS} ms (worst {worst_p99:.0f} ms), 0 errors: "
            + ("met." if is_met else "not met."),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="stepwise_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2", help="emptied before every run")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument(
        "--write", action="store_true", help="replace the Cold cache section of BENCHMARKS.md"
    )
    options = parser.parse_args()

    environment = site_environment(database=options.database, redis_url=options.redis_url)
    path = dataset_facts(environment)["thread_200_path"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    load_before = f"{os.getloadavg()[0]:.2f}"
    url = f"http://127.0.0.1:{options.port}{path}"
    runs = []
    for number in range(1, options.runs + 1):
        cold, warm = one_run(environment, options, url)
        runs.append((cold, warm))
        print(
            f"run {number}: cold {cold['rps']:,.0f} req/s, p99 {cold['p99_ms']:.0f} ms; "
            f"warm {warm['rps']:,.0f} req/s, p99 {warm['p99_ms']:.0f} ms",
            flush=True,
        )
    text = section(runs, options, path, load_before)
    print(text)
    if options.write:
        from bench.summarize import replace_section

        target = ROOT / "bench/BENCHMARKS.md"
        target.write_text(replace_section(target.read_text(), text, heading=HEADING))
        print(f"Wrote the {HEADING[3:]} section of {target}.")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
