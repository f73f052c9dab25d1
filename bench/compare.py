"""Two commits side by side on one machine: does a change make pages slower?

    .venv/bin/python bench/compare.py --against 87f4a0b [--rounds 3] [--seconds 5] [--connections 16]
        [--only TEXT] [--database stepwise_bench] [--redis-url redis://127.0.0.1:6379/2] [--port 8785]
        [--write]

`bash bench/run` gives each page's rate as a fraction of a hello measured in the same run, which
compares pages with each other but not commits with each other: a faster `/bench/hello` lowers
every ratio without any page getting slower, and two machines (or one machine under different
loads) give different absolute rates. This serves the other commit (checked out once into
var/bench/compare/<commit>, sharing this checkout's .venv) and this checkout at once, on the same
bench data set, each from its own gunicorn (the settings of bench/run) with its own Redis
database, signs bench0 in on both, warms every endpoint, then loads each endpoint with wrk on
one and then the other, for --rounds rounds, changing which goes first every round so that a
drift in the machine's load falls on both. The table gives each side's median requests/s and
the ratio this ÷ other: 1.00 is unchanged. With --write it replaces the "Side by side" section
of bench/BENCHMARKS.md.

Needs the bench data set (bash bench/run seeds it) migrated for this checkout. The other commit
runs against this checkout's schema: compare commits whose models read the same tables.
"""

import argparse
import os
import statistics
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cold_cache  # noqa: E402
from bench.cold_cache import dataset_facts, errors, stop, wrk  # noqa: E402

HEADING = "## Side by side"
BENCH_EMAIL, MENTOR_EMAIL = "bench0@bench.stepwise.localhost", "bench1@bench.stepwise.localhost"
BENCH_PASSWORD = "bench-password-2026"


def endpoints(facts: dict) -> list[tuple[str, str, str]]:
    """(name, visitor, path): the endpoints of bench/run."""
    return [
        ("baseline", "anonymous", "/bench/hello"),
        ("home", "anonymous", "/"),
        ("roadmap list", "anonymous", "/roadmaps/"),
        ("roadmap map", "anonymous", "/roadmaps/backend/"),
        ("roadmap map", "signed in", "/roadmaps/backend/"),
        ("topic page", "anonymous", facts["topic_path"]),
        ("thread list", "anonymous", "/discussions/"),
        ("thread, 200 comments", "anonymous", facts["thread_200_path"]),
        ("thread, 200 comments", "signed in", facts["thread_200_path"]),
        ("search", "anonymous", "/search/?q=index"),
        ("API thread list", "anonymous", "/api/v1/threads/"),
        ("profile, calendar", "anonymous", facts["profile_path"]),
        ("profile, calendar", "signed in", facts["profile_path"]),
        ("insights", "mentor", "/insights/"),
    ]


def commit_of(revision: str, *, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def checkout(commit: str) -> Path:
    """The other commit's files in a worktree of their own, with this checkout's virtualenv."""
    tree = ROOT / "var/bench/compare" / commit[:12]
    if not (tree / "manage.py").exists():
        print(f"checking out {commit[:12]} into {tree.relative_to(ROOT)}", flush=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT, check=True)
    if not (tree / ".venv").exists():
        (tree / ".venv").symlink_to(ROOT / ".venv")
    return tree


def serve(tree: Path, environment: dict, *, port: int, workers: int, redis_url: str, label: str):
    subprocess.run(
        ["redis-cli", "-u", redis_url, "flushdb"], check=True, capture_output=True
    )  # its own database, emptied: nothing cached by the other side or an earlier run
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=tree,
        env={**environment, "REDIS_URL": redis_url},
        check=True,
    )
    return cold_cache.serve(
        {**environment, "REDIS_URL": redis_url},
        port=port,
        workers=workers,
        cwd=tree,
        log_name=f"gunicorn-compare-{label}.log",
        ready_path="/bench/hello",  # an older commit may have no /healthz
    )


def sign_in(port: int, email: str) -> str:
    return subprocess.run(
        [
            sys.executable,
            "bench/login.py",
            "--port",
            str(port),
            "--email",
            email,
            "--password",
            BENCH_PASSWORD,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def status_of(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def load(url: str, cookie: str, *, seconds: int, connections: int) -> dict:
    return wrk(url, seconds=seconds, connections=connections, headers=[f"Cookie: {cookie}"] if cookie else [])


def table(rows: list[dict], other: str, this: str) -> list[str]:
    lines = [
        f"| endpoint | visitor | {other} req/s | {this} req/s | this ÷ other | rounds (this ÷ other) | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row["skipped"]:
            lines.append(
                f"| {row['name']} `{row['path']}` | {row['visitor']} | {row['skipped']} |  |  |  |  |"
            )
            continue
        ratios = ", ".join(f"{new / old:.2f}" for old, new in zip(row["other"], row["this"], strict=True))
        lines.append(
            f"| {row['name']} `{row['path']}` | {row['visitor']} | {statistics.median(row['other']):,.0f} "
            f"| {statistics.median(row['this']):,.0f} "
            f"| {statistics.median(row['this']) / statistics.median(row['other']):.2f} | {ratios} | {row['errors']} |"
        )
    return lines


def write_section(text: str) -> None:
    path = ROOT / "bench/BENCHMARKS.md"
    document = path.read_text()
    start = document.find(HEADING + "\n")
    if start == -1:
        document = document.rstrip("\n") + "\n\n" + text
    else:
        end = document.find("\n## ", start + len(HEADING))
        document = document[:start] + text + (document[end + 1 :] if end != -1 else "")
    path.write_text(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the other commit (any git revision)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--only", default="", help="only the endpoints whose name, visitor or path holds this"
    )
    parser.add_argument("--database", default="stepwise_bench")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/2",
        help="this side's; the other uses the next database",
    )
    parser.add_argument("--port", type=int, default=8785, help="this side's; the other uses the next port")
    parser.add_argument(
        "--write", action="store_true", help="replace the Side by side section of BENCHMARKS.md"
    )
    options = parser.parse_args()

    base, _, number = options.redis_url.rpartition("/")
    other_redis_url = f"{base}/{int(number or 0) + 1}"
    environment = {
        **cold_cache.site_environment(database=options.database, redis_url=options.redis_url),
        # One load generator is one IP address: keep the API throttle running, but out of the way.
        "API_RATE_ANONYMOUS": "100000000/minute",
        "API_RATE_USER": "100000000/minute",
    }
    facts = dataset_facts(environment)
    this_commit = commit_of("HEAD")
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    this_label = this_commit[:7] + (" with changes" if dirty.strip() else "")
    other_commit = commit_of(options.against)
    other_label = other_commit[:7]
    chosen = [
        endpoint
        for endpoint in endpoints(facts)
        if not options.only or any(options.only in part for part in endpoint)
    ]
    if not chosen:
        raise SystemExit(f"compare: no endpoint matches --only {options.only!r}")

    tree = checkout(other_commit)
    load_before = f"{os.getloadavg()[0]:.2f}"
    sides = {
        "this": (ROOT, options.port, options.redis_url),
        "other": (tree, options.port + 1, other_redis_url),
    }
    servers = {}
    try:
        for side, (path, port, redis_url) in sides.items():
            print(
                f"serving {side} ({this_label if side == 'this' else other_label}) on port {port}", flush=True
            )
            servers[side] = serve(
                path, environment, port=port, workers=options.workers, redis_url=redis_url, label=side
            )
        cookies = {
            side: {
                "anonymous": "",
                "signed in": sign_in(port, BENCH_EMAIL),
                "mentor": sign_in(port, MENTOR_EMAIL),
            }
            for side, (_, port, _) in sides.items()
        }
        rows = []
        for name, visitor, path in chosen:
            statuses = {
                side: status_of(f"http://127.0.0.1:{port}{path}", cookies[side][visitor])
                for side, (_, port, _) in sides.items()
            }
            missing = [side for side, status in statuses.items() if status != 200]
            rows.append(
                {
                    "name": name,
                    "visitor": visitor,
                    "path": path,
                    "this": [],
                    "other": [],
                    "errors": 0,
                    "skipped": ", ".join(f"{side} answers {statuses[side]}" for side in missing),
                }
            )
        print("warming every endpoint", flush=True)
        for row in rows:
            for side, (_, port, _) in sides.items():
                if not row["skipped"]:
                    load(
                        f"http://127.0.0.1:{port}{row['path']}",
                        cookies[side][row["visitor"]],
                        seconds=1,
                        connections=4,
                    )
        for number in range(options.rounds):
            order = ["other", "this"] if number % 2 == 0 else ["this", "other"]
            for row in rows:
                if row["skipped"]:
                    continue
                for side in order:
                    _, port, _ = sides[side]
                    report = load(
                        f"http://127.0.0.1:{port}{row['path']}",
                        cookies[side][row["visitor"]],
                        seconds=options.seconds,
                        connections=options.connections,
                    )
                    row[side].append(report["rps"])
                    row["errors"] += errors(report)
                print(
                    f"round {number + 1}: {row['name']:22} {row['visitor']:10} "
                    f"other {row['other'][-1]:8,.0f}  this {row['this'][-1]:8,.0f} req/s",
                    flush=True,
                )
    finally:
        for server in servers.values():
            stop(server)

    lines = table(rows, other_label, this_label)
    text = "\n".join(
        [
            HEADING,
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python bench/compare.py --against "
            f"{options.against} --rounds {options.rounds} --seconds {options.seconds} --connections "
            f"{options.connections}`: this checkout ({this_label}) and {other_label}, served at once on the same "
            f"data set ({options.workers} sync workers each, wrk on the same machine; load average {load_before} "
            f"before, {os.getloadavg()[0]:.2f} after).",
            "",
            *lines,
            "",
            "Each side's median over the rounds; each round loads an endpoint on one side, then on the other, "
            "the first side changing every round. 1.00 is unchanged; the spread of the rounds shows the "
            "machine's noise.",
            "",
        ]
    )
    print()
    print(text)
    if options.write:
        write_section(text)
        print("Wrote the Side by side section of bench/BENCHMARKS.md.")


if __name__ == "__main__":
    main()
