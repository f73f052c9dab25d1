"""What each middleware costs: CPU time per request of /bench/hello, in process, without a
network or a load generator, so that it can be measured on a busy machine.

    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/middleware_cost.py [--batches 7]
        [--path /roadmaps/backend/ ...]   # also pages of the site's database, as a visitor
        [--signed-in bench0@bench.stepwise.localhost]   # ... or as this member

Calls Django's WSGI handler (what gunicorn calls) with a request as gunicorn builds it, in
batches, and keeps each figure's best batch of time.process_time (the least disturbed by other
processes). It measures:

- the bare hello (bench/bare: no middleware, no database), in a process of its own;
- /bench/hello through the whole stack, as configured for production (DEBUG=false, Redis);
- the stack cut after each middleware in turn (a middleware may need the ones before it, as
  authentication needs sessions): the difference between two cuts is what one middleware adds;
- each `--path`, warm, as an anonymous visitor or, with `--signed-in`, as that member: their
  session is made in process (a row in the sessions table, as a login writes; nothing else is
  written) and sent with a CSRF cookie, as bench/run's signed-in runs send them.

Not a test: run it by hand while working on the stack; bench/run gives the figures under load.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def environ(path: str, query: str = "", cookie: str = "") -> dict:
    """A GET from wrk as gunicorn passes it to the application."""
    import io

    return {
        **({"HTTP_COOKIE": cookie} if cookie else {}),
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8765",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "RAW_URI": path,
        "HTTP_HOST": "127.0.0.1:8765",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def cpu_per_request(
    application, path: str, *, batches: int, requests: int, query: str = "", cookie: str = ""
) -> float:
    """The best batch's CPU seconds per request."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def one():
        body = application(environ(path, query, cookie), start_response)
        b"".join(body)
        getattr(body, "close", lambda: None)()

    for _ in range(requests):  # warm: imports, compiled patterns, connections
        one()
    if not statuses[-1].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[-1]}")
    best = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for _ in range(requests):
            one()
        best = min(best, (time.process_time() - started) / requests)
    return best


def measure_bare(options) -> float:
    import django
    from django.core.handlers.wsgi import WSGIHandler

    django.setup()
    return cpu_per_request(WSGIHandler(), "/hello", batches=options.batches, requests=options.requests)


def measure_stack(options) -> dict[str, float]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    from config.warmup import prepare_for_fork

    prepare_for_fork()

    def measure(middleware: list[str]) -> float:
        with override_settings(MIDDLEWARE=middleware):
            handler = WSGIHandler()
            return cpu_per_request(
                handler, "/bench/hello", batches=options.batches, requests=options.requests
            )

    stack = list(settings.MIDDLEWARE)
    figures = {"no middleware": measure([])}
    before = figures["no middleware"]
    for count, name in enumerate(stack, start=1):
        with_it = measure(stack[:count])
        figures[name] = with_it - before
        before = with_it
    figures["whole stack"] = before
    cookie = signed_in_cookie(options.signed_in) if options.signed_in else ""
    for path in options.path:
        handler = WSGIHandler()
        path, _, query = path.partition("?")
        figures[f"page {path}" + (f"?{query}" if query else "")] = cpu_per_request(
            handler, path, batches=options.batches, requests=options.requests, query=query, cookie=cookie
        )
    return figures


def signed_in_cookie(email: str) -> str:
    """The Cookie header of a browser signed in as this member: a session made here (without
    the login's password check and its signal, which would write the member's last login)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.middleware.csrf import _get_new_csrf_string

    member = get_user_model().objects.get(email=email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={_get_new_csrf_string()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--requests", type=int, default=500, help="per batch")
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        help="also a page of the site's database, as an anonymous visitor, through the whole stack",
    )
    parser.add_argument("--signed-in", metavar="EMAIL", help="request the --path pages as this member")
    parser.add_argument("--bare-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if options.bare_only:
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare.settings"
        print(json.dumps(measure_bare(options)))
        return

    bare = json.loads(
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--bare-only",
                f"--batches={options.batches}",
                f"--requests={options.requests}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-middleware-cost-" + "x" * 40)
    os.environ.setdefault("BENCH_ENDPOINTS", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    figures = measure_stack(options)

    print(f"CPU per request, best of {options.batches} batches of {options.requests}:")
    print(f"  {'bare Django hello (bench/bare)':<58} {bare * 1e6:7.1f} µs")
    print(
        f"  {'/bench/hello, whole stack':<58} {figures['whole stack'] * 1e6:7.1f} µs  "
        f"(in process: {bare / figures['whole stack']:.2f}× the bare hello's rate; under gunicorn both also pay its own)"
    )
    print(f"  {'/bench/hello, no middleware':<58} {figures['no middleware'] * 1e6:7.1f} µs")
    print("What each middleware adds, in the order of MIDDLEWARE:")
    for name, seconds in figures.items():
        if name not in {"whole stack", "no middleware"} and not name.startswith("page "):
            print(f"  {name:<58} {seconds * 1e6:7.1f} µs")
    visitor = f" (as {options.signed_in})" if options.signed_in else ""
    for name, seconds in figures.items():
        if name.startswith("page "):
            name += visitor
            print(f"  {name:<58} {seconds * 1e6:7.1f} µs  ({bare / seconds:.2f}× the bare hello's rate)")


if __name__ == "__main__":
    main()
