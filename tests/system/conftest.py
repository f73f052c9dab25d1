import shutil

import pytest

from bench.cluster import manage, production_env
from tests.integration.conftest import (  # noqa: F401 - shared fixtures
    broker_url,
    send_task,
    smtp_sink,
    start_worker,
)
from tests.system.redis_server import RedisServer


@pytest.fixture(scope="session")
def collected_static():
    """collectstatic into STATIC_ROOT with production settings, once per run: every gunicorn
    the system tests start serves the same files, and each run of it takes seconds."""
    manage(production_env(), "collectstatic")


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()
