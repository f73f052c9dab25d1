"""What bench/run needs to know about the database in DATABASE_URL, as shell assignments:

    eval "$(.venv/bin/python bench/dataset.py)"

sets bench_users (0 when seed_bench has not run), and once seeded: bench_email and
bench_password (the signed-in visitor), mentor_email (the signed-in mentor, same password),
thread_200_path, topic_path (the topic those bench threads hang on), profile_path (the signed-in
visitor's profile, with their activity calendar) and dataset (the row counts, for the report).
"""

import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from accounts.models import User  # noqa: E402
from bench.seed import EMAIL_DOMAIN, PASSWORD, SPECIAL_THREADS  # noqa: E402
from community.models import Comment, Reaction, Thread  # noqa: E402
from roadmap.models import Progress, ProgressEvent  # noqa: E402


def facts() -> dict[str, object]:
    users = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count()
    if not users:
        return {"bench_users": 0}
    thread = Thread.objects.select_related("topic__roadmap").get(title=SPECIAL_THREADS[0][1])
    dataset = ", ".join(
        f"{model.objects.count():,} {name}"
        for model, name in (
            (User, "users"),
            (Thread, "threads"),
            (Comment, "comments"),
            (Reaction, "reactions"),
            (Progress, "progress rows"),
            (ProgressEvent, "progress events"),
        )
    )
    return {
        "bench_users": users,
        "bench_email": f"bench0@{EMAIL_DOMAIN}",
        "bench_password": PASSWORD,
        "mentor_email": f"bench1@{EMAIL_DOMAIN}",
        "profile_path": User.objects.get(email=f"bench0@{EMAIL_DOMAIN}").get_absolute_url(),
        "thread_200_path": thread.get_absolute_url(),
        "topic_path": thread.topic.get_absolute_url(),
        "dataset": dataset,
    }


if __name__ == "__main__":
    for name, value in facts().items():
        print(f"{name}={shlex.quote(str(value))}")
