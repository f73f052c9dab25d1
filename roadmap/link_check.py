"""Checking the resources' links: each URL's status and where its redirects end, several at once.

Used by `manage.py check_resources`, run by an admin where the internet is reachable. A link is
asked for with HEAD, and with GET where the server refuses HEAD; redirects are followed and
recorded hop by hop, so that a permanent move (301 or 308 all the way to a page that answers
200) can be written back to the resource, while a temporary one (302, 303, 307: often a login
or a language switch) is only reported.
"""

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

USER_AGENT = "Stepwise resource checker (+https://github.com/stepwise)"
PERMANENT = frozenset({301, 308})
REFUSES_HEAD = frozenset({403, 405, 501})


@dataclass
class LinkResult:
    url: str
    status: int | None = None  # the final answer's status; None when none came
    final_url: str = ""
    hops: list[int] = field(default_factory=list)  # the status of each redirect followed
    error: str = ""

    @property
    def is_ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def is_redirected(self) -> bool:
        return bool(self.hops) and self.final_url != self.url

    @property
    def is_moved_permanently(self) -> bool:
        """Every hop permanent and the end answers: the link can be replaced by its target."""
        return self.is_ok and self.is_redirected and all(hop in PERMANENT for hop in self.hops)

    @property
    def is_broken(self) -> bool:
        return not self.is_ok


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hands every redirect back as it is, so that each hop is seen and recorded."""

    def redirect_request(self, request, fp, code, message, headers, new_url):
        return None


_opener = urllib.request.build_opener(_NoRedirects)
MAX_HOPS = 10


def _fetch(url: str, method: str, timeout: float) -> LinkResult:
    """Ask for `url`, following up to MAX_HOPS redirects one by one."""
    result = LinkResult(url=url, final_url=url)
    current = url
    for _ in range(MAX_HOPS + 1):
        request = urllib.request.Request(
            current, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
        )
        try:
            with _opener.open(request, timeout=timeout) as response:
                result.status, result.final_url = response.status, current
                return result
        except urllib.error.HTTPError as error:
            location = error.headers.get("Location") if 300 <= error.code < 400 else None
            error.close()
            if not location:
                result.status, result.final_url = error.code, current
                return result
            result.hops.append(error.code)
            current = urllib.parse.urljoin(current, location)
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            result.final_url = current
            result.error = _describe(getattr(error, "reason", error))
            return result
    result.error = f"more than {MAX_HOPS} redirects"
    return result


def _describe(reason) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    return str(reason) or type(reason).__name__


def check_link(url: str, *, timeout: float = 10.0) -> LinkResult:
    result = _fetch(url, "HEAD", timeout)
    if result.status in REFUSES_HEAD:
        result = _fetch(url, "GET", timeout)
    return result


def check_links(
    urls: Iterable[str],
    *,
    concurrency: int = 8,
    timeout: float = 10.0,
    progress: Callable[[int, int, LinkResult], None] | None = None,
) -> dict[str, LinkResult]:
    """{url: result} for every distinct URL, at most `concurrency` requests at a time."""
    distinct = list(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(check_link, url, timeout=timeout): url for url in distinct}
        for done, future in enumerate(as_completed(futures), 1):
            result = future.result()
            results[futures[future]] = result
            if progress is not None:
                progress(done, len(distinct), result)
    return results
