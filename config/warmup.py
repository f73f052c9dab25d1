"""Warm what a new release serves before it takes traffic: the process, then the shared cache.

The gunicorn master (which loads the app once, `preload_app`) is prepared for forking workers:

1. Do the one-off work every worker would otherwise repeat on its first requests: import every
   view (Django loads the URLconf lazily) and compile every template (the cached loader keeps
   them per process). Forked workers inherit the warm state.
2. Freeze what is loaded (gc.freeze): the garbage collector of each worker then never walks
   the tens of megabytes it inherited, which would copy every page it touches and stall it.

Workers are recycled (gunicorn's max_requests), so what a new worker pays is paid again and
again. Measured with wrk on /bench/hello at 64 connections, 5 workers recycled every 2,000
requests: 1,307 requests/s and p99 1.36 s as it was; 1,799 and 1.14 s with the warm-up alone;
2,343 and 60 ms with the freeze as well (2,036 and 0.6 s with no recycling and neither).
Nothing in prepare_for_fork touches the database or the cache, whose connections must not
cross a fork.

The shared cache is warmed by the release step (`manage.py warm_cache`, after `migrate`): every
cached page and part is keyed by the release (config.cache.code_version), so a deploy starts with
none, and without it the first seconds of a busy thread would be rendered by every worker at
once. warm_hot_pages requests the pages most visitors land on, in every language, as an
anonymous visitor would, so that they are kept exactly as that visitor's request would keep them.
"""

import gc
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver

from config.cache import code_version

logger = logging.getLogger(__name__)


def template_names() -> list[str]:
    """The project's own templates and its apps' (not third-party ones)."""
    roots = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(settings.BASE_DIR) / app / "templates" for app in ("accounts", "roadmap", "community")]
    return sorted(
        str(path.relative_to(root)) for root in roots if root.is_dir() for path in root.rglob("*.html")
    )


def prepare_for_fork() -> None:
    if not settings.DEBUG:  # with DEBUG, templates are not cached: compiling them now is wasted
        warm_up()
    code_version()  # hashed once, in the master
    gc.collect()
    gc.freeze()


def warm_up() -> None:
    started = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every URLconf and view module
    resolver.reverse_dict  # noqa: B018 - builds the reverse lookup tables
    compiled = 0
    for name in template_names():
        try:
            get_template(name)
            compiled += 1
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:  # its page will say so
            logger.warning("template %s not warmed up: %s", name, error)
    logger.info("warmed up: URLconf and %d templates in %.2f s", compiled, time.perf_counter() - started)


@dataclass(frozen=True)
class Warmed:
    path: str
    language: str
    status: int
    seconds: float


def hot_paths(*, threads: int) -> list[str]:
    """The pages most visitors land on: the home page, the roadmaps and their maps, the thread
    list, and the `threads` threads at the top of it (pinned, then the latest active)."""
    from django.urls import reverse

    from community.models import Thread
    from roadmap.models import Roadmap

    paths = [reverse("home"), reverse("roadmap:roadmap-list"), reverse("community:thread-list")]
    paths += [roadmap.get_absolute_url() for roadmap in Roadmap.objects.filter(is_published=True)]
    latest = Thread.objects.published().order_by("-is_pinned", "-last_activity_at")[:threads]
    paths += [thread.get_absolute_url() for thread in latest]
    return paths


def warm_hot_pages(*, threads: int = 20) -> list[Warmed]:
    """Request every hot page (hot_paths) in every language, as a new anonymous visitor, so that
    the page cache keeps it; returns what each answered and how long it took."""
    from django.test import Client

    site = urlsplit(settings.SITE_URL)
    warmed = []
    for path in hot_paths(threads=threads):
        for language, _ in settings.LANGUAGES:
            started = time.perf_counter()
            response = Client(HTTP_HOST=site.netloc, HTTP_ACCEPT_LANGUAGE=language).get(
                path, secure=site.scheme == "https"
            )
            warmed.append(Warmed(path, language, response.status_code, time.perf_counter() - started))
    return warmed
