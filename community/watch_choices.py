"""The choices of the watch and follow controls (thread, tag, topic): each level with the words
its button shows and what it means, shared by the pages that draw the controls."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import FollowLevel, WatchLevel


@dataclass(frozen=True)
class WatchChoice:
    value: str
    label: Promise
    hint: Promise


WATCH_CHOICES = [
    WatchChoice(
        WatchLevel.WATCHING, pgettext_lazy("watch level", "Watching"), _("a notification for every reply")
    ),
    WatchChoice(
        WatchLevel.NORMAL, pgettext_lazy("watch level", "Normal"), _("replies to your posts and mentions")
    ),
    WatchChoice(WatchLevel.MUTED, pgettext_lazy("watch level", "Muted"), _("mentions only")),
]


FOLLOW_CHOICES = [
    WatchChoice(
        FollowLevel.NONE, pgettext_lazy("watch level", "Not following"), _("nothing about its threads")
    ),
    WatchChoice(
        FollowLevel.DIGEST, pgettext_lazy("watch level", "Following"), _("its threads in your digest")
    ),
    WatchChoice(
        FollowLevel.NEW_THREADS,
        pgettext_lazy("watch level", "New threads"),
        _("also a notification for each new thread"),
    ),
]
