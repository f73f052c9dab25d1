"""The choices of the watch and follow controls (thread, tag, topic): each level with the words
its button shows and what it means, shared by the pages that draw the controls."""

from dataclasses import dataclass

from community.models import FollowLevel, WatchLevel


@dataclass(frozen=True)
class WatchChoice:
    value: str
    label: str
    hint: str


WATCH_CHOICES = [
    WatchChoice(WatchLevel.WATCHING, "Watching", "a notification for every reply"),
    WatchChoice(WatchLevel.NORMAL, "Normal", "replies to your posts and mentions"),
    WatchChoice(WatchLevel.MUTED, "Muted", "mentions only"),
]


FOLLOW_CHOICES = [
    WatchChoice(FollowLevel.NONE, "Not following", "nothing about its threads"),
    WatchChoice(FollowLevel.DIGEST, "Following", "its threads in your digest"),
    WatchChoice(FollowLevel.NEW_THREADS, "New threads", "also a notification for each new thread"),
]
