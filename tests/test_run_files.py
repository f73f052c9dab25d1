"""The deployment files (compose.yaml, .env.example, the Dockerfile, the Procfile, gunicorn's
config), checked by reading them: the tests need no Docker engine and run everywhere."""

import os
import re
import subprocess
from pathlib import Path

import yaml

from bench.cluster import live_command

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


def test_compose_refers_only_to_services_volumes_and_healthchecks_it_defines():
    """What `docker compose config` would refuse or start wrongly, checked without Docker."""
    document = compose()
    services = document["services"]
    declared_volumes = set(document.get("volumes") or {})
    for name, service in services.items():
        assert "image" in service or "build" in service, f"{name} has neither image nor build"
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on an undefined service {dependency}"
            assert rule["condition"] in {
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            }
            if rule["condition"] == "service_healthy":
                assert services[dependency].get("healthcheck"), f"{name} waits on {dependency}'s health"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared_volumes, f"{name} mounts an undeclared volume {source}"


def test_compose_env_example_sets_only_variables_the_settings_read():
    """Every service reads .env (copied from .env.example); nothing in it may be a typo that
    settings silently ignore, and the two values the compose comment asks for are there."""
    assert all(service.get("env_file", ".env") == ".env" for service in compose()["services"].values())
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    settings_source = (ROOT / "config" / "settings.py").read_text()
    assert {"SECRET_KEY", "ALLOWED_HOSTS"} <= example
    for name in example:
        assert f'"{name}"' in settings_source, f".env.example sets {name}, which the settings never read"


def test_compose_web_port_is_the_one_the_image_serves():
    web = compose()["services"]["web"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    exposed = re.search(r"^EXPOSE (\d+)$", dockerfile, re.MULTILINE).group(1)
    assert [mapping.split(":")[-1] for mapping in web["ports"]] == [exposed]
    assert f"PORT={exposed}" in dockerfile


def test_dockerfile_copies_only_from_earlier_stages():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = []
    for line in dockerfile.splitlines():
        stage = re.match(r"^FROM \S+:\S+ AS (\w+)$", line)
        if stage:
            stages.append(stage.group(1))
        source = re.match(r"^COPY --from=(\w+) ", line)
        if source:
            assert source.group(1) in stages[:-1], f"COPY --from={source.group(1)} names no earlier stage"
    assert stages == ["build", "runtime"], "every base image is tagged and every stage named"


def test_dockerfile_is_multi_stage_non_root_with_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) == 2
    assert re.search(r"^USER stepwise$", dockerfile, re.MULTILINE)
    assert "collectstatic --noinput" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    copied = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in copied and ".git" in copied


def test_the_image_compiles_the_translation_catalogues_it_serves():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY locale (\S+)$", dockerfile, re.MULTILINE), (
        "the catalogues go into the build stage"
    )
    assert "msgfmt --check-format" in dockerfile
    assert re.search(r"^COPY --from=build \S+ /opt/locale /app/locale$", dockerfile, re.MULTILINE)
    assert "*.mo" in (ROOT / ".gitignore").read_text().split(), (
        "compiled catalogues are built, never committed"
    )


def test_procfile_names_web_live_worker_beat_and_release():
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(lines) == {"release", "web", "live", "worker", "beat"}
    assert "migrate" in lines["release"] and "gunicorn.conf.py" in lines["web"]
    assert lines["live"].split() == live_command(host="0.0.0.0", port="${LIVE_PORT:-8001}")


def test_compose_sends_ws_to_the_live_process_and_pages_to_web():
    document = compose()
    live, proxy = document["services"]["live"], document["services"]["proxy"]
    port = live["command"][live["command"].index("--port") + 1]
    assert live["command"] == live_command(host="0.0.0.0", port=port), (
        "as the Procfile and the cluster run it"
    )
    nginx = document["configs"][proxy["configs"][0]["source"]]["content"]
    websocket = nginx[nginx.index("location /ws/") : nginx.index("location / ")]
    assert f"proxy_pass http://live:{port};" in websocket
    assert "proxy_set_header Upgrade $$http_upgrade;" in websocket and 'Connection "upgrade"' in websocket
    assert "proxy_pass http://web:8000;" in nginx[nginx.index("location / ") :]


def test_gunicorn_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    namespace = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    assert namespace["workers"] == 7 and namespace["timeout"] == 45 and namespace["worker_class"] == "sync"


def make_dry_run(*args, **env):
    """The commands `make` would run (all of them, as if nothing were built yet)."""
    environment = {key: value for key, value in os.environ.items() if key != "SITE_URL"} | env
    command = ["make", "--dry-run", "--always-make", *args]
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    ).stdout


def test_make_run_on_another_port_links_emails_to_that_port():
    serve = next(line for line in make_dry_run("run", "PORT=8300").splitlines() if "uvicorn" in line)
    assert "SITE_URL=http://127.0.0.1:8300 " in serve
    assert "config.devserver:application --host 127.0.0.1 --port 8300 " in serve


def test_make_worker_links_digests_to_the_port_make_run_serves_on():
    worker = next(line for line in make_dry_run("worker", "PORT=8300").splitlines() if "celery" in line)
    assert "SITE_URL=http://127.0.0.1:8300 " in worker


def test_a_site_url_set_in_the_environment_wins_over_make_runs_address():
    serve = next(
        line
        for line in make_dry_run("run", "PORT=8300", SITE_URL="https://stepwise.example").splitlines()
        if "uvicorn" in line
    )
    assert "SITE_URL=https://stepwise.example " in serve
