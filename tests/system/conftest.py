from tests.integration.conftest import (  # noqa: F401 - shared fixtures
    broker_url,
    send_task,
    smtp_sink,
    start_worker,
)
