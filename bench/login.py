"""Sign a bench user in through the allauth login form, as a browser would, and print the
Cookie header value (the session and CSRF cookies only) for wrk's signed-in runs.

    python bench/login.py --port 8765 --email bench0@bench.stepwise.localhost --password ...

Only the standard library: it talks to 127.0.0.1 over plain HTTP. Production settings mark the
cookies Secure, which is why this does not rely on a client's cookie jar.
"""

import argparse
import http.client
import re
import sys
import urllib.parse
from http.cookies import SimpleCookie

LOGIN_PATH = "/accounts/login/"
# wrk replays one Cookie header and ignores Set-Cookie: a one-off cookie such as the "signed in"
# message would be shown again on every request, so only these two are kept.
KEPT_COOKIES = ("sessionid", "csrftoken")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def request(host: str, port: int, method: str, path: str, *, body=None, headers=None, source_address=None):
    """One request on a fresh connection; `source_address` is the (address, port) it comes from."""
    connection = http.client.HTTPConnection(host, port, timeout=30, source_address=source_address)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def cookies_from(response, jar: SimpleCookie) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)


def cookie_header(jar: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items() if morsel.value)


def sign_in(host: str, port: int, email: str, password: str) -> str:
    jar = SimpleCookie()
    response, page = request(host, port, "GET", LOGIN_PATH)
    cookies_from(response, jar)
    match = CSRF_FIELD.search(page)
    if response.status != 200 or match is None or "csrftoken" not in jar:
        raise SystemExit(f"login page: HTTP {response.status}, no CSRF token or cookie")
    form = urllib.parse.urlencode(
        {"login": email, "password": password, "csrfmiddlewaretoken": match.group(1)}
    )
    response, page = request(
        host,
        port,
        "POST",
        LOGIN_PATH,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(jar),
            "Referer": f"http://{host}:{port}{LOGIN_PATH}",
        },
    )
    cookies_from(response, jar)
    if response.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"signing in as {email} failed: HTTP {response.status}, no session cookie")
    return "; ".join(f"{name}={jar[name].value}" for name in KEPT_COOKIES if name in jar)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    options = parser.parse_args(argv)
    print(sign_in(options.host, options.port, options.email, options.password))


if __name__ == "__main__":
    sys.exit(main())
