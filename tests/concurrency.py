"""Run the same work in threads at once, as two workers would, each with its own database
connection (closed when it is done, so the test database can be dropped)."""

import threading

from django.db import connection


def run_at_once(work, *, times: int = 2, timeout: float = 30) -> tuple[list, list[Exception]]:
    """Call `work()` in `times` threads together; return what the calls returned and raised."""
    results, errors = [], []

    def run():
        try:
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors
