"""CPU a digest costs the worker: batches of 50 sent through the real path (send_digests) into an
aiosmtpd sink in a process of its own, timed with `time.process_time` in this process.

Wall-clock rates depend on whatever else the machine runs; the CPU this process spends on each
digest varies much less. Uses the learners digest_bench.py creates (run it once first), forgets
their deliveries before each round, and sends the same digests every round.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stepwise_digest_bench \\
        .venv/bin/python bench/digest_cpu.py [--digests 1000] [--rounds 3] [--profile out.prof]

Each round prints the worker's CPU a digest, and the CPU its PostgreSQL backend and the sink spent
meanwhile (from /proc, when PostgreSQL runs on this machine); the first round includes compiling
templates and filling this process's caches, so compare the later ones. `--profile` writes a cProfile (timed in CPU,
not wall time) of the last round, for `python -m pstats`.
"""

import argparse
import cProfile
import multiprocessing
import os
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "digest-benchmark-only-" + "x" * 40)
os.environ.setdefault("SITE_URL", "https://stepwise.example")

BATCH = 50  # as schedule_digests queues them


def process_cpu(pid: int) -> float | None:
    """Seconds of CPU (user and system) a process of this machine has used, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="write a cProfile of the last round here")
    options = parser.parse_args()

    from tests.integration.smtp_sink import free_port

    port = free_port()
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from bench.digest_bench import run_sink
    from community import digest
    from community.models import DigestDelivery

    received, stop = multiprocessing.Value("i", 0), multiprocessing.Event()
    sink = multiprocessing.Process(target=run_sink, args=(port, received, stop), daemon=True)
    connection.close()  # the forked sink must not share this process's database socket
    sink.start()
    time.sleep(0.5)  # for the sink to listen

    if "bench" not in settings.DATABASES["default"]["NAME"]:
        sys.exit("Run against the digest benchmark's database (its name contains 'bench').")
    learners = User.objects.filter(email__startswith="bench", email__endswith="@example.com")
    ids = list(learners.order_by("pk").values_list("pk", flat=True)[: options.digests])
    try:
        for round_number in range(1, options.rounds + 1):
            DigestDelivery.objects.filter(user_id__in=ids).delete()
            with connection.cursor() as cursor:
                # Fresh statistics, as autovacuum keeps them: stale ones after the delete led
                # the planner to read every delivery for each batch's last digests (3 ms).
                cursor.execute("ANALYZE community_digestdelivery")
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            now = timezone.now()
            profiler = (
                cProfile.Profile(time.process_time)
                if options.profile and round_number == options.rounds
                else None
            )
            before, counts = received.value, {}
            others = {"postgres": backend, "sink": sink.pid}
            others_before = {name: process_cpu(pid) for name, pid in others.items()}
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for start in range(0, len(ids), BATCH):
                result = digest.send_digests(user_ids=ids[start : start + BATCH], now=now, ignore_hour=True)
                for outcome, count in result.counts.items():
                    counts[outcome] = counts.get(outcome, 0) + count
            if profiler:
                profiler.disable()
                profiler.dump_stats(options.profile)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            spent = {
                name: process_cpu(pid) - others_before[name]
                for name, pid in others.items()
                if others_before[name] is not None and process_cpu(pid) is not None
            }
            print(
                f"round {round_number}: {len(ids)} digests {counts}, sink got {received.value - before}; "
                f"worker CPU {1000 * cpu / len(ids):.2f} ms a digest, wall {1000 * wall / len(ids):.2f} ms"
                + "".join(f", {name} {1000 * value / len(ids):.2f} ms" for name, value in spent.items())
                + f"; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        stop.set()
        sink.join(timeout=10)


if __name__ == "__main__":
    main()
