"""A visitor of the site under test, over plain HTTP on loopback: their cookies kept by hand
(production marks them Secure), from a client address of their choice, with the slowest answer
to each request recorded."""

import time
import urllib.parse
from http.cookies import SimpleCookie

from bench.login import CSRF_FIELD, LOGIN_PATH, cookie_header, cookies_from, request


class Browser:
    def __init__(self, port: int, slowest: dict[str, float] | None = None, *, address: str | None = None):
        self.port = port
        self.address = address  # 127.0.0.2, …: another visitor as nginx sees them
        self.jar = SimpleCookie()
        self.slowest = slowest if slowest is not None else {}  # "METHOD path" -> seconds

    def get(self, path: str):
        return self._send("GET", path)

    def post(self, path: str, form: dict):
        return self._send(
            "POST",
            path,
            body=urllib.parse.urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
        )

    def _send(self, method: str, path: str, *, body=None, headers=None):
        started = time.monotonic()
        response, page = request(
            "127.0.0.1",
            self.port,
            method,
            path,
            body=body,
            headers={**(headers or {}), "Cookie": cookie_header(self.jar)},
            source_address=(self.address, 0) if self.address else None,
        )
        elapsed = time.monotonic() - started
        label = f"{method} {path}"
        self.slowest[label] = max(elapsed, self.slowest.get(label, 0.0))
        cookies_from(response, self.jar)
        return response, page

    def sign_in(self, email: str, password: str):
        """The allauth login form, as a browser fills it in; the POST's response and page."""
        response, page = self.get(LOGIN_PATH)
        assert response.status == 200, f"the login page answered {response.status}"
        token = CSRF_FIELD.search(page).group(1)
        return self.post(LOGIN_PATH, {"login": email, "password": password, "csrfmiddlewaretoken": token})

    def is_signed_in_as(self, user) -> bool:
        response, page = self.get("/settings/")
        return response.status == 200 and f"Account menu for</span> {user.username}" in page
