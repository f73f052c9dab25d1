"""What search engines are told about (django.contrib.sitemaps): the site's entry pages, the
published roadmaps and topics, and the threads anyone may read.

`/sitemap.xml` is an index of sections, `/sitemap-<section>.xml` each section, split in pages of
`limit` URLs (`?p=2`; a sitemap may hold 50,000). Every URL is absolute on SITE_URL, as the
canonical links are, whatever host the request came to. Both are cached for anonymous visitors
(community.caches.SITEMAP_PAGE), so a hidden thread leaves the sitemap with the next request.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import sitemaps
from django.db.models import Max
from django.urls import reverse


class SiteSitemap(sitemaps.Sitemap):
    """A section whose URLs are on SITE_URL. A subclass with a `lastmod` field names it in
    `lastmod_field`, so the index reads the latest one with one query, not row by row."""

    lastmod_field: str | None = None

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_latest_lastmod(self):
        if self.lastmod_field is None:
            return None
        return self.items().aggregate(latest=Max(self.lastmod_field))["latest"]


class PagesSitemap(SiteSitemap):
    """The pages every visit starts from."""

    def items(self):
        return ["home", "roadmap:roadmap-list", "community:thread-list", "community:mentor-list"]

    def location(self, item):
        return reverse(item)
