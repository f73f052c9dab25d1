"""What the gunicorn master does before it forks workers (config/warmup.py)."""

import gc

from config import warmup


def test_every_project_template_is_found_and_compiles(caplog):
    names = warmup.template_names()
    assert "base.html" in names and "community/thread_detail.html" in names
    warmup.warm_up()
    assert "not warmed up" not in caplog.text


def test_preparing_for_fork_freezes_what_is_loaded():
    try:
        warmup.prepare_for_fork()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
