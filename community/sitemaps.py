"""The threads section of the sitemap (config.sitemaps): every thread an anonymous visitor may
read, newest activity as its lastmod."""

from django.contrib.auth.models import AnonymousUser
from django.db.models.functions import Coalesce, Greatest

from community.models import Thread
from config.sitemaps import SiteSitemap


class ThreadSitemap(SiteSitemap):
    # 10 pages for the benchmark's 50,000 threads: each renders in a fraction of a second.
    limit = 5_000
    lastmod_field = "changed_at"

    def items(self):
        return (
            Thread.objects.visible_to(AnonymousUser())
            .annotate(changed_at=Greatest("last_activity_at", Coalesce("edited_at", "last_activity_at")))
            .only("pk", "slug")
            .order_by("pk")
        )

    def lastmod(self, thread):
        return thread.changed_at
