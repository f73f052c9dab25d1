"""The deployment files: checked with `docker compose config` where Docker Compose exists,
and linted here either way (this machine has no Docker engine)."""

import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_defines_the_whole_site():
    services = compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(services)
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://") and environment["REDIS_URL"].startswith(
            "redis://"
        )
        assert environment["DEBUG"] == "false"
    assert "volatile-lru" in services["redis"]["command"], "the cache must never evict the Celery queues"
    assert services["postgres"]["healthcheck"] and services["redis"]["healthcheck"]


def test_compose_validates_with_docker_compose_when_available():
    docker = shutil.which("docker")
    has_compose = (
        docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    )
    if not has_compose:
        return  # linted above; `docker compose config` needs the compose plugin
    env_file = ROOT / ".env.example"
    result = subprocess.run(
        [docker, "compose", "--env-file", str(env_file), "-f", str(ROOT / "compose.yaml"), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_dockerfile_is_multi_stage_non_root_with_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) == 2
    assert re.search(r"^USER stepwise$", dockerfile, re.MULTILINE)
    assert "collectstatic --noinput" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    copied = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in copied and ".git" in copied


def test_procfile_names_web_worker_beat_and_release():
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(lines) == {"release", "web", "worker", "beat"}
    assert "migrate" in lines["release"] and "gunicorn.conf.py" in lines["web"]


def test_gunicorn_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    namespace = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    assert namespace["workers"] == 7 and namespace["timeout"] == 45 and namespace["worker_class"] == "sync"
