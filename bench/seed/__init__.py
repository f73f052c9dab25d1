"""The benchmark data set that `manage.py seed_bench --scale N` loads (see bench/README.md).

Scale 1 is 10,000 users with verified emails, 3 roadmaps (backend.yaml plus two generated ones
of 80 topics), 50,000 threads over the last year, 500,000 comments, 1,000,000 reactions,
200,000 progress rows (with their history, about 390,000 events, and the topic insights
summarised from it), 20,000 flags and 20,000 notifications, plus two threads with exactly 200
and 2,000 comments for the thread-page benchmarks. Follows and bookmarks come along.

Everything is planned in Python first, with a fixed random seed and with ids assigned here, so
each denormalised counter (comment and reaction counts, last activity, tag thread counts) is
counted while planning and written once, exactly. Rows then go in with COPY on PostgreSQL and
bulk_create elsewhere, all in one transaction. Post bodies come from a small pool of markdown
texts, each rendered once. The threads, comments and reactions are planned in a forked process
(`fork`) while the progress rows, which need none of that plan, are loaded.

The modules: `data` (the plan as a whole) with one part per app it seeds (`accounts`,
`roadmap`, `community`), `texts` (what the posts say), `search` (the threads' search vectors),
`writer` (the bulk inserts), `fork` (planning on a second CPU), `numbers` (shared arithmetic)
and `report` (progress on the terminal). This package holds the facts about the data set that bench/dataset.py,
bench/explain.py and the tests read.
"""

PASSWORD = "bench-password-2026"
EMAIL_DOMAIN = "bench.stepwise.localhost"
SPECIAL_THREADS = ((200, "Bench: 200 comments"), (2000, "Bench: 2,000 comments"))
SPECIAL_TOPIC = "database-indexes"  # a Backend topic; the special threads hang on it
SPECIAL_TAGS = ("postgresql", "performance")
MIN_USERS = 20
MENTOR_COUNT = 10
SEED = 2026
DAY = 86400.0
YEAR = 365 * DAY

PER_SCALE = {
    "users": 10_000,
    "threads": 50_000,
    "comments": 500_000,
    "reactions": 1_000_000,
    "progress": 200_000,
    "flags": 20_000,
    "notifications": 20_000,
}


def scaled_counts(scale: float) -> dict[str, int]:
    """Rows per table at `scale`, before the two special threads and their 2,200 comments."""
    return {name: round(count * scale) for name, count in PER_SCALE.items()}
