"""Which tests share a pytest-xdist worker, and in what order the work is handed out.

`make test` runs the suite with `--dist loadgroup`. A group's tests run one after another on one
worker: those that start processes of their own, and those that drive Chromium. xdist 3.8 learns
a test's group from a suffix it writes into the test's id, which pytest 9.2 no longer lets it
change (pytest-xdist issue #1386): its groups silently fall apart. So the groups are decided here,
from the test ids, by the scheduler `Scheduler` (conftest's `pytest_xdist_make_scheduler`).

The groups are handed out first, longest first, in GROUPS' order (conftest sorts the collected
tests so, after pytest-django has sorted them by kind, and the scheduler keeps the collection
order), and the rest of the suite, one test at a time, fills in around them. The groups' tests
flush the database after themselves, and the tests in a transaction that a worker runs after
them find it as migrated: `flush` sends post_migrate, from which Django makes its content types,
permissions and site again, and accounts.setup the Mentors group and the site's name.
"""

import re

from xdist.scheduler import LoadScopeScheduling

# (group, pattern): a test belongs to the first group whose pattern (a regular expression) matches
# the start of its id; within a group, tests run in the order of these lines, then as collected.
GROUPS = [
    # Each API fuzzing shard runs for minutes: started first, it ends with the rest.
    ("fuzzing-shard-1", r"tests/api/test_schemathesis\.py::.*\[shard-1-"),
    # Real Celery workers (each pytest worker has its own broker and test database). The digest
    # crash test, the longest, runs first: what follows the last test of a group waits for it.
    ("digest-workers", r"tests/system/test_digest_crashes\.py::"),
    ("digest-workers", r"tests/system/test_smtp_faults\.py::"),
    ("digest-workers", r"tests/integration/"),
    # gunicorn, nginx and Redis servers of their own, serving the files collected in STATIC_ROOT.
    ("processes", r"tests/system/"),
    ("fuzzing-shard-2", r"tests/api/test_schemathesis\.py::"),
    # makemessages writes each template's extract beside it while it runs: two runs at once on
    # two workers would remove each other's files.
    ("catalogues", r"tests/test_(check_translations|translations_complete)\.py::"),
    # Chromium: the accessibility sweep is two groups, one per screen size, each its own browser.
    ("browser", r"tests/e2e/(?!test_accessibility\.py)"),
    ("accessibility-phone", r"tests/e2e/test_accessibility\.py::.*\[\w+-phone-"),
    ("accessibility-desktop", r"tests/e2e/test_accessibility\.py::"),
]
_PATTERNS = [(group, re.compile(pattern)) for group, pattern in GROUPS]
GROUP_NAMES = {group for group, _ in GROUPS}


def place(nodeid: str) -> tuple[str | None, int]:
    """The test's group (None for the rest) and the position of the line that named it."""
    for position, (group, pattern) in enumerate(_PATTERNS):
        if pattern.match(nodeid):
            return group, position
    return None, len(_PATTERNS)


def order(items: list) -> None:
    """Sort the collected tests: the groups' first, in GROUPS' order; the rest as collected
    (pytest-django sorts them again by kind, keeping this order within each)."""
    items[:] = [
        item for _, item in sorted(enumerate(items), key=lambda pair: (place(pair[1].nodeid)[1], pair[0]))
    ]


class Scheduler(LoadScopeScheduling):
    """xdist's loadscope, with GROUPS as the scopes and every other test a scope of its own.

    A worker that has a group still to finish is given single tests when it needs more work, not
    another group: a worker starts a test only once it knows the next one, so what it is given
    waits for the rest of the group. Groups go to workers that have none left."""

    def __init__(self, config, log=None):
        # xdist's loadscope would otherwise hand out the scopes of the most tests first, not
        # the order of GROUPS.
        config.option.loadscopereorder = False
        super().__init__(config, log)

    def _split_scope(self, nodeid: str) -> str:
        return place(nodeid)[0] or nodeid

    def _assign_work_unit(self, node) -> None:
        assigned = self.assigned_work.get(node, {})
        if any(scope in GROUP_NAMES and not all(tests.values()) for scope, tests in assigned.items()):
            single = next((scope for scope in self.workqueue if scope not in GROUP_NAMES), None)
            if single is not None:
                self.workqueue.move_to_end(single, last=False)
        super()._assign_work_unit(node)
