import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import override_settings

from config.cache import ResilientRedisCache
from tests.freshness.admin_forms import AdminForms
from tests.freshness.pages import Viewers, Watch
from tests.freshness.world import build_world, reloaded


@pytest.fixture(autouse=True)
def _the_real_cache(settings):
    """Caches are exercised as in production: Redis, DEBUG off."""
    assert not settings.DEBUG
    assert isinstance(caches["default"], ResilientRedisCache), "set REDIS_URL: these tests need Redis"


@pytest.fixture(scope="module")
def _world_rows(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, made once per module in a transaction rolled back after its last test (as
    Django's TestCase.setUpTestData does); each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            world = build_world(tmp_path_factory.mktemp("world"))
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_rows, db):
    return reloaded(_world_rows)


@pytest.fixture
def admin_forms(world):
    return AdminForms(world.admin)


@pytest.fixture
def pages_follow(world, django_capture_on_commit_callbacks):
    """pages_follow(write, expectations): warm every page of `expectations` for each of its
    viewers, make the write (its on-commit work run, as its commit would), then require the
    next request to each to show it."""
    viewers = Viewers(world.member)

    def check(write, expectations):
        watch = Watch(viewers, world.pages, expectations)
        watch.warm()
        with django_capture_on_commit_callbacks(execute=True):
            write()
        watch.assert_fresh()

    return check
