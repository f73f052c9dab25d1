"""A fingerprint of what seed_bench loaded: one md5 per table over its rows in id order, to show
that a change to bench/seed/ loads the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<migrated, empty> BENCH_ENDPOINTS=true \\
        .venv/bin/python bench/seed_fingerprint.py --seed 1

--seed N runs `seed_bench --scale N` first, with the clock stopped at a fixed instant (the data
set's times count back from "now"); without it, the database in DATABASE_URL is fingerprinted
as it is. Two databases seeded this way print the same lines if their data is the same. Left
out, as random by design: the users' password hashes and unsubscribe salts, and the quiz
options' keys (imported with backend.yaml).
"""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

FIXED_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RANDOM = {
    ("accounts_user", "password"),
    ("accounts_user", "unsubscribe_salt"),
    ("roadmap_quizoption", "key"),
}


class StoppedClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW if tz is not None else FIXED_NOW.replace(tzinfo=None)


def fingerprints() -> dict[str, str]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
        columns: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            columns.setdefault(table, []).append(column)
        result = {}
        for table, names in columns.items():
            kept = [quote(name) for name in names if (table, name) not in RANDOM]
            row = f"ROW({', '.join(kept)})::text"
            order = "id" if "id" in names else row
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5({row}), '' ORDER BY {order}), '')) "
                f"FROM {quote(table)}"
            )
            count, digest = cursor.fetchone()
            result[table] = f"{count:>9} {digest}"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=float, metavar="SCALE", help="seed at this scale first")
    arguments = parser.parse_args()
    if arguments.seed is not None:
        with mock.patch.object(timezone, "datetime", StoppedClock):
            call_command("seed_bench", scale=arguments.seed)
    for table, line in fingerprints().items():
        print(f"{table:<40} {line}")


if __name__ == "__main__":
    main()
