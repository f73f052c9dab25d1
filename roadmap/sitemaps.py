"""The roadmap sections of the sitemap (config.sitemaps): published roadmaps and their
published topics."""

from config.sitemaps import SiteSitemap
from roadmap.models import Roadmap, Topic


class RoadmapSitemap(SiteSitemap):
    lastmod_field = "updated_at"

    def items(self):
        return Roadmap.objects.filter(is_published=True).only("slug", "updated_at").order_by("position", "pk")

    def lastmod(self, roadmap):
        return roadmap.updated_at


class TopicSitemap(SiteSitemap):
    lastmod_field = "updated_at"

    def items(self):
        return (
            Topic.objects.published()
            .select_related("roadmap")
            .only("slug", "updated_at", "roadmap__slug")
            .order_by("roadmap__position", "roadmap_id", "position", "pk")
        )

    def lastmod(self, topic):
        return topic.updated_at
