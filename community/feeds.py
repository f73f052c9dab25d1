"""Atom feeds of the latest published threads, overall and per tag."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import Tag, Thread

FEED_LENGTH = 30
FEED_MAX_AGE = 60 * 5


class LatestThreadsFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Stepwise: latest discussions")
    subtitle = gettext_lazy(
        "The newest discussions on Stepwise, where people learn backend development together."
    )

    def link(self):
        return reverse("community:thread-list")

    def __call__(self, request, *args, **kwargs):
        """A feed is the same for every reader, so proxies may keep it for a few minutes."""
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def items(self):
        return self.threads()[:FEED_LENGTH]

    def threads(self):
        return (
            Thread.objects.published()
            .select_related("author")
            .prefetch_related("tags")
            .order_by("-created_at", "-pk")
        )

    def item_title(self, thread):
        # Atom titles are plain text; the base class escapes them once more for RSS readers.
        return thread.title

    def item_description(self, thread):
        return thread.body_html

    def item_author_name(self, thread):
        return thread.author.public_name if thread.author else _("former member")

    def item_pubdate(self, thread):
        return thread.created_at

    def item_updateddate(self, thread):
        return thread.edited_at or thread.created_at

    def item_categories(self, thread):
        return [tag.name for tag in thread.tags.all()]


class TagThreadsFeed(LatestThreadsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return _("Stepwise: discussions tagged %(tag)s") % {"tag": tag.name}

    def subtitle(self, tag):
        return tag.description or _("The newest discussions tagged %(tag)s on Stepwise.") % {"tag": tag.name}

    def link(self, tag):
        return tag.get_absolute_url()

    def items(self, tag):
        return self.threads().filter(tags=tag)[:FEED_LENGTH]
