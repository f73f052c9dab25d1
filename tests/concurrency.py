"""Run the same work in threads at once, as two workers would, each with its own database
connection (closed when it is done, so the test database can be dropped)."""

import contextlib
import threading

from django.db import connection


def _run_in_threads(functions, timeout: float) -> tuple[list, list[Exception]]:
    results, errors = [], []

    def run(function):
        try:
            results.append(function())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(function,)) for function in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors


def run_at_once(work, *, times: int = 2, timeout: float = 30) -> tuple[list, list[Exception]]:
    """Call `work()` in `times` threads together; return what the calls returned and raised."""
    return _run_in_threads([work] * times, timeout)


@contextlib.contextmanager
def meeting_at_first_use_of(table: str, barrier: threading.Barrier):
    """Hold this thread's first SQL statement that names `table` until every party of
    `barrier` has reached theirs, so that concurrent requests race from the same point: the
    first read or write of the rows they are about to change."""
    met = False

    def wait_then_execute(execute, sql, params, many, context):
        nonlocal met
        if not met and f'"{table}"' in sql:
            met = True
            barrier.wait()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wait_then_execute):
        yield


def run_one_inside_the_other(work, *, table: str, timeout: float = 10) -> tuple[list, list[Exception]]:
    """Call `work()` twice, interleaved at the worst moment for a read followed by a write:
    the second call runs its first statement on `table`, then the first call runs from start
    to end, and only then does the second go on. A check-then-write loses here every time."""
    second_has_read, first_is_done = threading.Event(), threading.Event()

    def first():
        try:
            if not second_has_read.wait(timeout):
                raise TimeoutError(f"the second call never used {table}")
            return work()
        finally:
            first_is_done.set()

    def second():
        statements = 0

        def pause_after_the_first(execute, sql, params, many, context):
            nonlocal statements
            if f'"{table}"' in sql:
                statements += 1
                if statements == 2 and not first_is_done.wait(timeout):
                    raise TimeoutError("the first call did not finish")
            try:
                return execute(sql, params, many, context)
            finally:
                if statements == 1:
                    second_has_read.set()

        try:
            with connection.execute_wrapper(pause_after_the_first):
                return work()
        finally:
            second_has_read.set()

    return _run_in_threads([first, second], timeout * 3)
