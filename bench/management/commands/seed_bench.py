"""manage.py seed_bench --scale N: the benchmark data set (see bench/README.md and bench/seed/).

The command exists only where the bench app is installed (BENCH_ENDPOINTS=true, and the tests
that ask for it). It refuses to run on a database that already holds bench users: drop and
recreate the database to seed again.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import User
from bench.seed import EMAIL_DOMAIN, MIN_USERS, PER_SCALE, scaled_counts
from bench.seed.data import BenchData
from bench.seed.report import ProgressReport, duration
from bench.seed.writer import vacuum


class Command(BaseCommand):
    help = (
        "Load the benchmark data set (scale 1: 10,000 users, 50,000 threads, 500,000 comments, "
        "1,000,000 reactions, ...) with bulk inserts. Refuses to run twice on the same database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1 = the full data set; 0.01 = a hundredth of it"
        )

    def handle(self, *args, scale, **options):
        counts = scaled_counts(scale)
        if counts["users"] < MIN_USERS:
            raise CommandError(
                f"--scale {scale} gives {counts['users']} users; use at least "
                f"{MIN_USERS / PER_SCALE['users']:g} ({MIN_USERS} users)."
            )
        existing = User.objects.filter(email__iendswith=f"@{EMAIL_DOMAIN}")
        if existing.exists():
            raise CommandError(
                f"This database already holds the bench data set ({existing.count():,} users "
                f"@{EMAIL_DOMAIN}): seed_bench runs once per database. To seed again, drop and "
                "recreate the database, migrate it, then run seed_bench (see bench/README.md)."
            )
        report = ProgressReport(self.stdout)
        started = time.monotonic()
        with transaction.atomic():
            data = BenchData(counts=counts, report=report)
            data.load()
        if connection.vendor == "postgresql":
            # Analysed inside the load already (BenchData.load), before anything read them.
            report.step("vacuum", lambda: vacuum(data.tables))
        self.stdout.write(
            self.style.SUCCESS(f"Seeded the bench data set at scale {scale:g} in {duration(started)}.")
        )
        for line in data.summary():
            self.stdout.write(line)
