"""Site-wide views: the health check, robots.txt and the sitemap, the error pages and the
benchmark baseline."""

import logging

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from community.caches import SITEMAP_PAGE
from community.sitemaps import ThreadSitemap
from config import page_cache
from config.cache import shared_cache_answers
from config.page_cache import anonymous_page
from config.sitemaps import PagesSitemap
from roadmap.sitemaps import RoadmapSitemap, TopicSitemap

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health check: database unreachable")
        return False


@never_cache
def healthz(request):
    """Liveness and readiness: 200 while the database answers; the cache only degrades us."""
    database = _database_ok()
    cache_answers = shared_cache_answers()
    if not database:
        status = "unavailable"
    elif not cache_answers:
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database else "error",
            "cache": "ok" if cache_answers else "error",
        },
        status=200 if database else 503,
    )


SITEMAP_SECTIONS = {
    "pages": PagesSitemap,
    "roadmaps": RoadmapSitemap,
    "topics": TopicSitemap,
    "threads": ThreadSitemap,
}


@require_safe
@cache_control(public=True, max_age=60 * 60)
def robots_txt(request):
    """What crawlers may fetch: the public pages, not accounts, forms, actions or searches."""
    context = {"sitemap_url": settings.SITE_URL + reverse("sitemap")}
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


@require_safe
@anonymous_page(SITEMAP_PAGE)
def sitemap_index(request):
    return sitemap_views.index(request, SITEMAP_SECTIONS, sitemap_url_name="sitemap-section")


@require_safe
@anonymous_page(SITEMAP_PAGE, parameters={"p": page_cache.page_number})
def sitemap_section(request, section):
    return sitemap_views.sitemap(request, SITEMAP_SECTIONS, section=section)


def bench_hello(request):
    """The baseline of bench/run: a response through the whole middleware stack, touching
    neither the database nor the cache. Mounted only when settings.BENCH_ENDPOINTS is true."""
    return HttpResponse("hello\n", content_type="text/plain; charset=utf-8")


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """Rendered without a request context: whatever broke the page may break that too."""
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
