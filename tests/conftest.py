import os

import pytest
import redis
from django.core.cache import cache
from django.utils import translation

from config.cache import clear_local_memos
from config.celery import app as celery_app
from tests import scheduling, workers
from tests.factories import PASSWORD, AdminFactory, MentorFactory, UserFactory


def pytest_configure(config):
    workers.isolate_cache()
    _no_collected_static_files()


def _no_collected_static_files():
    """The test process finds no collected static files, as in a fresh checkout, even after the
    system tests ran collectstatic (for the gunicorn they start): WhiteNoise indexes STATIC_ROOT
    each time a test client makes its handler, and over its ~900 files that took a third of a
    typical API test's time. The live server serves static files from the finders, as in
    development."""
    from django.conf import settings

    settings.STATIC_ROOT = settings.BASE_DIR / "var" / "no-collected-static-files-in-tests"


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request served in Spanish leaves Spanish active in the thread (the language middleware
    activates a language for each request, as Django's does, and the next request sets its own):
    after each test the thread goes back to no active language, as a worker or command starts."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_passwords_and_clean_cache(settings):
    """Argon2 is deliberately slow; tests hash with MD5. Each test starts with an empty cache."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    clear_local_memos()
    yield
    cache.clear()
    clear_local_memos()


@pytest.fixture(autouse=True)
def _strict_slots(settings):
    """A mistake in a template's viewer slots fails the test (config.slots), as in development."""
    settings.SLOTS_STRICT = True


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Tasks run in the test process, as with the embedded defaults, even when REDIS_URL names a
    broker: tests that need the broker or a worker publish to it themselves (publish_to,
    tests/integration)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _forget_broker_connections():
    """Celery keeps the connection and producer pools of the broker it first used (eager tasks
    use them too) and has no public way to let go of them; without this it keeps publishing
    there. kombu keeps the pools themselves, by URL, for when that broker is used again."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def publish_to():
    """publish_to(url): from then on this process publishes tasks to the broker at `url` instead
    of running them. Undone after the test."""
    conf = celery_app.conf
    previous = conf.broker_url, conf.task_always_eager

    def publish(url):
        _forget_broker_connections()
        conf.broker_url, conf.task_always_eager = url, False

    yield publish
    _forget_broker_connections()
    conf.broker_url, conf.task_always_eager = previous


@pytest.fixture
def redis_commands(monkeypatch) -> list:
    """The commands this process sends Redis through redis-py from now on."""
    original, sent = redis.Redis.execute_command, []

    def execute_command(self, *args, **kwargs):
        sent.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", execute_command)
    return sent


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def learner(db):
    return UserFactory(username="learner", email="learner@example.com")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="other", email="other@example.com")


@pytest.fixture
def mentor(db):
    return MentorFactory(username="mentor", email="mentor@example.com")


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="boss", email="boss@example.com")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` groups tests as tests/scheduling.py says."""
    if config.getvalue("dist") == "loadgroup":
        return scheduling.Scheduler(config, log)
    return None


@pytest.hookimpl(trylast=True)  # after pytest-django's sort by kind: the groups go first
def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL, those marked `redis` a Redis server; without
    them (the quick SQLite run) they are skipped with the reason. The tests that share a
    pytest-xdist worker come first, longest group first (tests/scheduling.py)."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://...")
    for item in items:  # markers, not keywords: a parametrised test may have an id such as "redis"
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(skip_postgres)
        if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)
    scheduling.order(items)


FIGURES = []  # (test id, text) recorded with record_property("figures", text)


def pytest_runtest_logreport(report):
    """Collect the figures tests record (the API fuzzing's, the digest crash test's) as reports
    arrive: under xdist they come from the workers, whose output is not shown."""
    if report.when == "call":
        FIGURES.extend((report.nodeid, value) for name, value in report.user_properties if name == "figures")


def pytest_terminal_summary(terminalreporter):
    for _, figures in sorted(FIGURES):
        terminalreporter.write_line(figures)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """In CI (STEPWISE_FAIL_ON_SKIP=1) a skipped test fails the run: everything must run for real."""
    if os.environ.get("STEPWISE_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"STEPWISE_FAIL_ON_SKIP: {len(skipped)} test(s) skipped; CI runs every test.", red=True
        )
        if session.exitstatus == 0:
            session.exitstatus = 1
