"""seed_demo creates accounts whose passwords are in the code: development only, unless forced."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_accounts_in_development(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert {"ada", "grace", "admin"} <= set(User.objects.values_list("username", flat=True))


def test_seed_demo_names_each_account_by_the_username_that_signs_in(settings, client):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.strip().startswith("learner"))
    role, username, email, _, password, _ = line.split()
    assert User.objects.get(username=username).email == email
    response = client.post("/accounts/login/", {"login": username, "password": password})
    assert response.status_code == 302


def test_seed_demo_refuses_to_run_with_debug_off_and_creates_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only") as refusal:
        call_command("seed_demo", stdout=io.StringIO())
    assert "--force" in str(refusal.value)
    assert not User.objects.exists()


def test_seed_demo_exits_non_zero_from_the_command_line_with_debug_off(tmp_path):
    """As an operator runs it: `manage.py seed_demo` in a production environment."""
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-" + "k" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, **production},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "development only" in result.stderr


def test_a_forced_seed_demo_with_debug_off_warns_against_production(settings):
    settings.DEBUG = False
    stderr = io.StringIO()
    call_command("seed_demo", "--force", stdout=io.StringIO(), stderr=stderr)
    assert "production" in stderr.getvalue()
    assert "passwords anyone can read" in stderr.getvalue()
    assert User.objects.filter(username="admin", is_superuser=True).exists()
