"""Run the tests that wait on other processes (a Celery worker, gunicorn, nginx, Redis, an SMTP
sink, Chromium) again and again while every core is kept busy, and count the failures.

A test that waits for a neighbouring event, or sleeps a fixed time, passes on a quiet machine
and fails on a loaded one; this makes the loaded machine on purpose. Used by `make test-stress`:

    python tools/stress_tests.py --runs 10 [--burners 2] [-- pytest arguments]

Each run is a fresh `pytest` of tests/system, tests/integration and tests/e2e (or the paths
given after `--`). Exits non-zero if any run failed, after printing which tests failed.
"""

import argparse
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = ["tests/system", "tests/integration", "tests/e2e"]
FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
SUMMARY_LINE = re.compile(r"^=* ?(\d+ (?:passed|failed|skipped|errors?)\b.*?) in [\d.]+s", re.MULTILINE)


def burn() -> None:
    """Keep one core busy until killed."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="how many times to run the tests (10)")
    parser.add_argument(
        "--burners", type=int, default=os.cpu_count() or 2, help="busy-looping processes (one per core)"
    )
    parser.add_argument("pytest_args", nargs="*", help="paths and options for pytest (after --)")
    options = parser.parse_args()
    pytest_args = options.pytest_args or DEFAULT_PATHS

    burners = [multiprocessing.Process(target=burn, daemon=True) for _ in range(options.burners)]
    for burner in burners:
        burner.start()
    print(f"{options.burners} CPU burner(s) running; {options.runs} run(s) of pytest {' '.join(pytest_args)}")
    failed_runs, failed_tests = 0, Counter()
    logs = ROOT / "var" / "stress"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        for run in range(1, options.runs + 1):
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
                cwd=ROOT,
                env={**os.environ, "STEPWISE_FAIL_ON_SKIP": "1"},  # a skipped test proves nothing here
                capture_output=True,
                text=True,
            )
            output = result.stdout + result.stderr
            log = logs / f"run-{run}.log"
            log.write_text(output)
            summary = SUMMARY_LINE.findall(output)
            failures = FAILED_LINE.findall(output)
            failed_tests.update(failures)
            if result.returncode != 0:
                failed_runs += 1
            print(
                f"run {run}/{options.runs}: {summary[-1] if summary else f'pytest exited {result.returncode}'}"
                f" ({time.monotonic() - started:.0f} s){'' if result.returncode == 0 else f', log in {log}'}",
                flush=True,
            )
            for test in failures:
                print(f"    FAILED {test}", flush=True)
    finally:
        for burner in burners:
            burner.terminate()
    print(f"\n{options.runs} run(s) under load: {options.runs - failed_runs} passed, {failed_runs} failed")
    for test, count in failed_tests.most_common():
        print(f"  {count}x {test}")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
