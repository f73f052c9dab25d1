from tests.integration.conftest import broker_url, send_task, smtp_sink, start_worker  # noqa: F401 - shared fixtures
