"""The settings module as production and outages see it, checked in fresh processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(code_or_args, **env):
    """Run Python in a fresh process, with `env` added to the environment (None unsets)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    environment = {key: value for key, value in environment.items() if value is not None}
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["manage.py", "check"], DEBUG="false", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_checklist():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY="a" * 20 + "-production-grade-secret-key-for-the-deploy-check-" + "z" * 10,
        ALLOWED_HOSTS="example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


OUTAGE_SCRIPT = """
import django, os
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
assert settings.CACHES["default"]["BACKEND"] == "config.cache.ResilientRedisCache"
setup_test_environment()
call_command("migrate", verbosity=0)
from tests.factories import UserFactory
user = UserFactory(email="outage@example.com", username="outage")
client = Client()
print("home", client.get("/").status_code)
print("login-page", client.get("/accounts/login/").status_code)
response = client.post("/accounts/login/", {"login": "outage@example.com", "password": "correct-horse-battery-staple"})
print("login", response.status_code)
print("signed-in-home", client.get("/").status_code, client.get("/").context["user"].is_authenticated)
print("healthz", client.get("/healthz").status_code)
"""


@pytest.mark.django_db
def test_pages_and_logins_work_while_redis_is_unreachable(tmp_path):
    result = run(
        OUTAGE_SCRIPT,
        DJANGO_SETTINGS_MODULE="config.settings",
        REDIS_URL="redis://127.0.0.1:1/0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'outage.sqlite3'}",
        CELERY_BROKER_URL="memory://",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines == {
        "home": "200",
        "login-page": "200",
        "login": "302",
        "signed-in-home": "200 True",
        "healthz": "200",
    }


def test_num_proxies_sets_whom_the_api_throttles_and_the_login_limits_trust():
    result = run(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['NUM_PROXIES'], settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
        DJANGO_SETTINGS_MODULE="config.settings",
        NUM_PROXIES="2",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["2", "2"]


EAGER_TASK_SCRIPT = """
import django
django.setup()
from django.conf import settings
from config.celery import app
assert settings.CELERY_TASK_ALWAYS_EAGER

@app.task
def ping():
    return "pong"

print(ping.apply_async(retry_policy={"max_retries": 0}).get(), ping.delay().get())
"""


def test_make_runs_eager_tasks_are_sent_without_a_broker_warning():
    """`make run` sets neither REDIS_URL nor a broker: tasks run in the web process, and sending
    one (which acquires a producer even then) must not warn about a broker's missing host."""
    result = run(
        EAGER_TASK_SCRIPT,
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=None,
        REDIS_URL=None,
        CELERY_BROKER_URL=None,
        CELERY_TASK_ALWAYS_EAGER=None,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pong pong"
    assert "WARNING" not in result.stderr, result.stderr
    assert "No hostname was supplied" not in result.stderr


def test_make_run_sends_each_notification_email_as_it_is_made():
    """With eager tasks there is no worker or beat to come back for an email held until later:
    `make run` would never show one. There, none waits."""
    result = run(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.NOTIFICATION_EMAIL_DELAY, settings.NOTIFICATION_EMAIL_WINDOW)",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=None,
        REDIS_URL=None,
        CELERY_BROKER_URL=None,
        CELERY_TASK_ALWAYS_EAGER=None,
        NOTIFICATION_EMAIL_DELAY=None,
        NOTIFICATION_EMAIL_WINDOW=None,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "0"]
