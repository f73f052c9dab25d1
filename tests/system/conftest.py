from tests.integration.conftest import broker_url, send_task, smtp_sink  # noqa: F401 - shared fixtures
