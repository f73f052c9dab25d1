"""What goes into a learner's digest: their roadmap progress, replies to them, the outcomes of
their review requests, threads they follow and threads asking for help, a nudge on a topic they
have been learning for much longer than most (answered threads on it and a link to ask), and, for a mentor,
the review requests and questions waiting in the sections they cover; read for a whole batch in a fixed number of queries
(DigestBuilder), and the email it becomes."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from modeltranslation import settings as translated_languages  # the languages content has columns for
from modeltranslation.utils import build_localized_fieldname

from accounts.models import User
from accounts.roles import mentor_q
from community.digest.periods import Frequency, news_start, previous_digests
from community.digest.unsubscribe import unsubscribe_url
from community.insights import MIN_LEARNERS
from community.mail_delivery import in_language_of, language_of
from community.models import (
    EmailPreference,
    Follow,
    MentorSection,
    Notification,
    ReviewRequest,
    Status,
    Thread,
    TopicInsight,
)
from config.mime import AlternativesEmail
from roadmap import selectors as roadmap_selectors
from roadmap.models import Progress, ProgressEvent, Roadmap

REPLY_VERBS = [Notification.Verb.REPLY, Notification.Verb.MENTION, Notification.Verb.ANSWER_ACCEPTED]
MAX_REPLIES = 8
MAX_COUNTED = 50  # replies and mentions counted for the subject; more reads "50+"
MAX_THREADS = 5
MAX_HELP = 3
MAX_NEXT_TOPICS = 3
THREAD_POOL = 2000  # most recently active threads a batch's thread sections choose from
GOAL_WINDOW = timedelta(days=7)  # a weekly goal is reported over the 7 days before the digest
STALL_FACTOR = 2  # learning a topic for more than this many times its median days is a stall
MAX_STALLS = 2
MAX_STALL_THREADS = 3


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Paths are reversed once per process: a batch links the same topics and threads many times.
@lru_cache(maxsize=8192)
def _path(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs)


def _thread_url(thread_id: int, slug: str) -> str:
    return absolute(_path("community:thread-detail", pk=thread_id, slug=slug or "thread"))


def _topic_url(roadmap_slug: str, topic_slug: str) -> str:
    return absolute(_path("roadmap:topic-detail", slug=roadmap_slug, topic=topic_slug))


@dataclass
class Link:
    """A topic or thread the digest links to. A thread's facts are kept as facts, and worded in
    the active language when the digest is rendered (in the recipient's language): a batch
    shares some links between learners of different languages."""

    title: str
    url: str
    topic_id: int | None = None
    thread_id: int | None = None
    topic_title: str = ""
    is_new: bool = False
    is_answered: bool = False
    replies: int | None = None  # None: not said
    reactions: int = 0
    helpful: int = 0

    @property
    def detail(self) -> str:
        """ "Caching · new · 3 replies", under the thread's title, in the active language."""
        return _thread_detail(
            translation.get_language(),
            self.topic_title,
            self.is_new,
            self.is_answered,
            self.replies,
            self.reactions,
            self.helpful,
        )


# A digest shows each link's detail twice in each of its two bodies, and a batch shows the same
# few counts over and over: worded once per language and set of facts, not four times a link.
@lru_cache(maxsize=4096)
def _thread_detail(
    language: str | None,
    topic_title: str,
    is_new: bool,
    is_answered: bool,
    replies: int | None,
    reactions: int,
    helpful: int,
) -> str:
    parts = [topic_title] if topic_title else []
    if is_new:
        parts.append(pgettext("a thread", "new"))
    if is_answered:
        parts.append(pgettext("a thread", "answered"))
    if replies is not None:
        parts.append(ngettext("%(count)d reply", "%(count)d replies", replies) % {"count": replies})
    if reactions:
        parts.append(ngettext("%(count)d reaction", "%(count)d reactions", reactions) % {"count": reactions})
    if helpful:
        parts.append(
            ngettext("%(count)d person found it helpful", "%(count)d people found it helpful", helpful)
            % {"count": helpful}
        )
    return " · ".join(parts)


@dataclass
class RoadmapProgress:
    """One roadmap in a digest. Each topic is named at most once: what changed this period
    (finished, skipped, started), then the open topics not yet started (next_topics)."""

    title: str
    url: str
    done: int
    skipped: int
    total: int
    finished_now: list[str]
    skipped_now: list[str]
    started_now: list[str]
    next_topics: list[Link]

    @property
    def percent(self) -> int:
        """Done or skipped, of all topics: the share the roadmap page shows."""
        return round(100 * (self.done + self.skipped) / self.total) if self.total else 0

    @property
    def counted(self) -> str:
        """ "12 of 144 topics done", or "done or skipped" once some are skipped, as the roadmap
        page counts them."""
        values = {"count": self.done + self.skipped, "total": self.total}
        if self.skipped:
            return (
                ngettext(
                    "%(count)d of %(total)d topic done or skipped",
                    "%(count)d of %(total)d topics done or skipped",
                    self.total,
                )
                % values
            )
        return (
            ngettext("%(count)d of %(total)d topic done", "%(count)d of %(total)d topics done", self.total)
            % values
        )

    @property
    def is_complete(self) -> bool:
        return self.done + self.skipped == self.total

    @property
    def has_changes(self) -> bool:
        return bool(self.finished_now or self.skipped_now or self.started_now)


@dataclass
class Reply:
    actor_name: str  # empty for a former member
    verb: str
    thread_title: str
    url: str

    @property
    def actor(self) -> str:
        return self.actor_name or gettext("A former member")


@dataclass
class Outcome:
    """A review request of the learner that a mentor answered, or that expired, this period."""

    topic_title: str
    state: str
    mentor: str
    url: str

    @property
    def sentence(self) -> str:
        values = {"mentor": self.mentor or gettext("A mentor"), "topic": self.topic_title}
        if self.state == ReviewRequest.State.VERIFIED:
            return gettext("%(mentor)s verified your work on %(topic)s") % values
        if self.state == ReviewRequest.State.NEEDS_WORK:
            return gettext("%(mentor)s asked for more work on %(topic)s") % values
        return gettext("No mentor claimed your request on %(topic)s within a week") % values


@dataclass
class SectionWaiting:
    """For a mentor: one section they cover, with what waits there."""

    title: str
    requests: int
    questions: int


@dataclass(frozen=True)
class WeeklyGoal:
    """The learner's weekly goal (topics a week, a setting) and the topics they finished in the
    7 days before the digest, as the progress history has them."""

    goal: int
    finished: int

    @property
    def is_met(self) -> bool:
        return self.finished >= self.goal

    @property
    def sentence(self) -> str:
        values = {"finished": self.finished, "goal": self.goal}
        if self.is_met:
            return (
                ngettext(
                    "You met your weekly goal: %(finished)d topic finished in the last 7 days, for a goal of %(goal)d.",
                    "You met your weekly goal: %(finished)d topics finished in the last 7 days, for a goal of %(goal)d.",
                    self.finished,
                )
                % values
            )
        return (
            ngettext(
                "Your weekly goal: %(finished)d of %(goal)d topic finished in the last 7 days.",
                "Your weekly goal: %(finished)d of %(goal)d topics finished in the last 7 days.",
                self.goal,
            )
            % values
        )


@dataclass(frozen=True)
class Stall:
    """A topic the learner has been learning for more than STALL_FACTOR times the median days
    learners take to finish it: the most helpful answered threads on it, and a link to ask."""

    topic_title: str
    days: int
    threads: list[Link]
    ask_url: str
    is_new: bool  # it became a stall since the last digest, so it is news on its own

    @property
    def sentence(self) -> str:
        values = {"topic": self.topic_title, "days": self.days}
        if self.threads:
            return (
                ngettext(
                    "You have been learning %(topic)s for %(days)d day, longer than most learners take. Stuck? "
                    "These answers helped others, or ask your own question.",
                    "You have been learning %(topic)s for %(days)d days, longer than most learners take. Stuck? "
                    "These answers helped others, or ask your own question.",
                    self.days,
                )
                % values
            )
        return (
            ngettext(
                "You have been learning %(topic)s for %(days)d day, longer than most learners take. Stuck? "
                "Ask about it: mentors and other learners answer.",
                "You have been learning %(topic)s for %(days)d days, longer than most learners take. Stuck? "
                "Ask about it: mentors and other learners answer.",
                self.days,
            )
            % values
        )


@dataclass
class Digest:
    user: User
    since: datetime
    now: datetime
    roadmaps: list[RoadmapProgress] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    reply_counts: dict[str, int] = field(default_factory=dict)
    has_more_replies: bool = False
    threads: list[Link] = field(default_factory=list)
    help_threads: list[Link] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    waiting: list[SectionWaiting] = field(default_factory=list)
    weekly_goal: WeeklyGoal | None = None
    stalls: list[Stall] = field(default_factory=list)

    @property
    def desk_url(self) -> str:
        return absolute(_path("community:mentor-desk"))

    @cached_property
    def unsubscribe_url(self) -> str:
        return unsubscribe_url(self.user)

    @property
    def next_topic(self) -> Link | None:
        for roadmap in self.roadmaps:
            if roadmap.next_topics:
                return roadmap.next_topics[0]
        return None

    @property
    def finished_count(self) -> int:
        return sum(len(roadmap.finished_now) for roadmap in self.roadmaps)

    @property
    def has_news(self) -> bool:
        return bool(
            self.replies
            or self.outcomes
            or self.waiting
            or self.threads
            or self.help_threads
            or any(stall.is_new for stall in self.stalls)
            or any(roadmap.has_changes for roadmap in self.roadmaps)
        )

    @cached_property
    def subject(self) -> str:
        """What is new, most personal first, then the next topic: "3 replies and your next
        topic: Caching", in the learner's language. Kept: the HTML body's title shows it too."""
        with in_language_of(self.user):
            return self._subject()

    def _subject(self) -> str:
        counts = self.reply_counts
        parts = []
        if self.has_more_replies:
            parts.append(gettext("%(count)d+ replies and mentions") % {"count": MAX_COUNTED})
        else:
            if counts.get(Notification.Verb.REPLY):
                parts.append(
                    ngettext("%(count)d reply", "%(count)d replies", counts[Notification.Verb.REPLY])
                    % {"count": counts[Notification.Verb.REPLY]}
                )
            if counts.get(Notification.Verb.MENTION):
                parts.append(
                    ngettext("%(count)d mention", "%(count)d mentions", counts[Notification.Verb.MENTION])
                    % {"count": counts[Notification.Verb.MENTION]}
                )
            if counts.get(Notification.Verb.ANSWER_ACCEPTED):
                parts.append(
                    ngettext(
                        "%(count)d accepted answer",
                        "%(count)d accepted answers",
                        counts[Notification.Verb.ANSWER_ACCEPTED],
                    )
                    % {"count": counts[Notification.Verb.ANSWER_ACCEPTED]}
                )
        verified = sum(outcome.state == ReviewRequest.State.VERIFIED for outcome in self.outcomes)
        if verified:
            parts.insert(
                0,
                ngettext(
                    "%(count)d topic verified by a mentor", "%(count)d topics verified by a mentor", verified
                )
                % {"count": verified},
            )
        elif self.outcomes:
            parts.insert(
                0,
                ngettext("%(count)d review answered", "%(count)d reviews answered", len(self.outcomes))
                % {"count": len(self.outcomes)},
            )
        started_count = sum(len(roadmap.started_now) for roadmap in self.roadmaps)
        if not parts and self.finished_count:
            parts.append(
                ngettext("%(count)d topic finished", "%(count)d topics finished", self.finished_count)
                % {"count": self.finished_count}
            )
        new_stalls = [stall for stall in self.stalls if stall.is_new]
        if not parts and new_stalls:
            parts.append(gettext("help with %(topic)s") % {"topic": new_stalls[0].topic_title})
        if not parts and started_count:
            parts.append(
                ngettext("%(count)d topic started", "%(count)d topics started", started_count)
                % {"count": started_count}
            )
        if not parts and self.threads:
            parts.append(
                ngettext(
                    "%(count)d new thread on your topics",
                    "%(count)d new threads on your topics",
                    len(self.threads),
                )
                % {"count": len(self.threads)}
            )
        if not parts and self.help_threads:
            parts.append(
                ngettext(
                    "%(count)d question you could answer",
                    "%(count)d questions you could answer",
                    len(self.help_threads),
                )
                % {"count": len(self.help_threads)}
            )
        waiting = sum(section.requests for section in self.waiting)
        if not parts and waiting:
            parts.append(
                ngettext(
                    "%(count)d review request waiting in your sections",
                    "%(count)d review requests waiting in your sections",
                    waiting,
                )
                % {"count": waiting}
            )
        next_topic = self.next_topic
        if next_topic is not None:
            parts.append(gettext("your next topic: %(topic)s") % {"topic": next_topic.title})
        if not parts:
            parts.append(gettext("what is new on your roadmap"))
        if len(parts) == 1:
            text = parts[0]
        else:
            # Translators: the end of a list, as in "3 replies, 1 mention and your next topic: Caching".
            text = gettext("%(items)s and %(last)s") % {
                "items": pgettext("list separator", ", ").join(parts[:-1]),
                "last": parts[-1],
            }
        text = text[0].upper() + text[1:]
        return text if len(text) <= 200 else text[:199] + "…"

    @property
    def preheader(self) -> str:
        """The line mail clients show after the subject."""
        roadmap = self.roadmaps[0] if self.roadmaps else None
        if roadmap is None:
            return gettext("What happened on Stepwise since your last digest.")
        return gettext("%(roadmap)s: %(counted)s.") % {"roadmap": roadmap.title, "counted": roadmap.counted}

    def render(self) -> tuple[str, str]:
        """The plain-text and HTML bodies."""
        is_weekly = self.user.digest_frequency != Frequency.DAILY
        context = {
            "digest": self,
            "name": self.user.public_name,
            "site_url": settings.SITE_URL,
            "settings_url": absolute(_path("accounts:settings")),
            "notifications_url": absolute(_path("community:notification-list")),
            "unsubscribe_url": self.unsubscribe_url,
        }
        with in_language_of(self.user):
            context["frequency"] = pgettext("digest", "weekly") if is_weekly else pgettext("digest", "daily")
            return render_to_string("email/digest.txt", context), render_to_string(
                "email/digest.html", context
            )

    def message(self, *, connection=None) -> AlternativesEmail:
        text, html = self.render()
        message = AlternativesEmail(
            subject=self.subject,
            body=text,
            to=[self.user.email],
            connection=connection,
            headers={
                "List-Unsubscribe": f"<{self.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
                "Content-Language": language_of(self.user),
            },
        )
        message.attach_alternative(html, "text/html")
        return message


class _Outline(NamedTuple):
    """A roadmap's published topics in order (roadmap_structure's entries) and each one's
    position, made once per roadmap and language for a whole batch."""

    topics: list[dict]
    position: dict[int, int]

    @classmethod
    def of(cls, structure: list[dict]) -> "_Outline":
        topics = [topic for section in structure for topic in section["topics"]]
        return cls(topics, {topic["id"]: index for index, topic in enumerate(topics)})


def _roadmap_progress(
    roadmap: Roadmap, outline: _Outline, statuses: dict, updated: dict, since: datetime
) -> RoadmapProgress:
    """One roadmap's progress, this period's changes and the next open topics.

    Skipped topics count towards the progress, as on the roadmap page, but are reported as
    skipped, never as finished: a learner who pressed S by mistake sees it. The next topics
    are open ones the learner has not started; a topic started this period is under Started.
    Goes through the learner's own topics, and through the roadmap only as far as the next
    topics: a batch does this for every learner.
    """
    finished = {topic_id for topic_id, status in statuses.items() if status in roadmap_selectors.FINISHED}
    changed = {
        Progress.Status.DONE: [],
        Progress.Status.SKIPPED: [],
        Progress.Status.LEARNING: [],
    }
    counts = dict.fromkeys(changed, 0)
    on_roadmap = sorted(
        (outline.position[topic_id], topic_id) for topic_id in statuses if topic_id in outline.position
    )
    for position, topic_id in on_roadmap:
        status = statuses[topic_id]
        counts[status] = counts.get(status, 0) + 1
        if status in changed and updated[topic_id] >= since:
            changed[status].append(outline.topics[position]["title"])
    upcoming = []
    for topic in outline.topics:
        if len(upcoming) == MAX_NEXT_TOPICS:
            break
        if topic["id"] not in statuses and finished.issuperset(topic["prerequisite_ids"]):
            url = _topic_url(roadmap.slug, topic["slug"])
            upcoming.append(Link(title=topic["title"], url=url, topic_id=topic["id"]))
    return RoadmapProgress(
        title=roadmap.title,
        url=absolute(_path("roadmap:roadmap-detail", slug=roadmap.slug)),
        done=counts[Progress.Status.DONE],
        skipped=counts[Progress.Status.SKIPPED],
        total=len(outline.topics),
        finished_now=changed[Progress.Status.DONE],
        skipped_now=changed[Progress.Status.SKIPPED],
        started_now=changed[Progress.Status.LEARNING],
        next_topics=upcoming,
    )


def _in_language(titles: dict[str, str | None], language: str) -> str:
    """A content title in the reader's language, read from the batch's columns of every
    language: the English where it has no translation."""
    return titles.get(language) or titles.get(settings.LANGUAGE_CODE) or ""


def _by_language(titles) -> dict[str, str | None]:
    """The values read from _title_columns, keyed by their language."""
    return dict(zip(translated_languages.AVAILABLE_LANGUAGES, titles, strict=True))


def _title_columns(relation: str) -> list[str]:
    """The columns of a related title in every language content is written in (title_en,
    title_es, ...): a batch reads them all once, whatever the worker's language."""
    return [
        f"{relation}__{build_localized_fieldname('title', code)}"
        for code in translated_languages.AVAILABLE_LANGUAGES
    ]


class _ThreadRow(NamedTuple):
    pk: int
    title: str
    slug: str
    topic_id: int | None
    author_id: int | None
    created_at: datetime
    last_activity_at: datetime
    comment_count: int
    reaction_count: int
    accepted_comment_id: int | None
    is_locked: bool
    topic_titles: dict[str, str | None]  # {language: the topic's title in it}, all None without a topic

    @classmethod
    def from_values(cls, values: tuple) -> "_ThreadRow":
        """A row of _THREAD_COLUMNS: the thread's own columns, then its topic's title in each language."""
        own = len(cls._fields) - 1
        return cls(*values[:own], topic_titles=_by_language(values[own:]))


_THREAD_COLUMNS = [*_ThreadRow._fields[:-1], *_title_columns("topic")]


def _thread_link(thread: _ThreadRow, *, since: datetime, language: str) -> Link:
    return Link(
        title=thread.title,
        url=_thread_url(thread.pk, thread.slug),
        thread_id=thread.pk,
        topic_title=_in_language(thread.topic_titles, language),
        is_new=thread.created_at >= since,
        replies=thread.comment_count or None,
        reactions=thread.reaction_count,
    )


class _NotificationRow(NamedTuple):
    recipient_id: int
    verb: str
    created_at: datetime
    comment_id: int | None
    thread_id: int
    thread_title: str
    thread_slug: str
    actor_username: str | None  # None: a former member
    actor_display_name: str | None


_NOTIFICATION_COLUMNS = [
    "recipient_id",
    "verb",
    "created_at",
    "comment_id",
    "thread_id",
    "thread__title",
    "thread__slug",
    "actor__username",
    "actor__display_name",
]


def _reply(notification: _NotificationRow) -> Reply:
    if notification.comment_id:
        url = absolute(_path("community:comment-link", pk=notification.comment_id))
    else:
        url = _thread_url(notification.thread_id, notification.thread_slug)
    return Reply(
        actor_name=notification.actor_display_name or notification.actor_username or "",
        verb=notification.verb,
        thread_title=notification.thread_title,
        url=url,
    )


@dataclass
class _Learner:
    roadmaps: list[RoadmapProgress] = field(default_factory=list)
    watched_topic_ids: set[int] = field(default_factory=set)  # learning, next up, followed
    done_topic_ids: set[int] = field(default_factory=set)
    followed_tag_ids: set[int] = field(default_factory=set)
    learning: set[int] = field(default_factory=set)  # the topics they are learning now


class DigestBuilder:
    """Builds the digests of a batch of learners from their activity, read up front in at most
    nine queries however many learners, topics, follows, threads or notifications there are, one
    more when some of them set a weekly goal, one more when some are learning a topic, another
    when one of those topics has a median, and another when a learner has stalled on one (roadmap structures come from the cache, once per roadmap).

    `since` gives each learner's start of news (news_start). Threads are considered among the
    THREAD_POOL most recently active ones on the topics and tags the batch watches.
    """

    def __init__(self, users, *, since: dict[int, datetime], now: datetime):
        self.now = now
        self.since = since
        self.users = {user.pk: user for user in users}
        self.learners = {pk: _Learner() for pk in self.users}
        self.notifications: dict[int, list[_NotificationRow]] = {pk: [] for pk in self.users}
        self.threads: list[_ThreadRow] = []
        self.thread_tags: dict[int, set[int]] = {}
        self.threads_on_topic: dict[int | None, list[int]] = {}  # positions in self.threads
        self.threads_with_tag: dict[int, list[int]] = {}
        self.outcomes: dict[int, list[Outcome]] = {pk: [] for pk in self.users}
        self.waiting: dict[int, list[SectionWaiting]] = {pk: [] for pk in self.users}
        self.weekly_goals: dict[int, WeeklyGoal] = {}
        self.stalls: dict[int, list[Stall]] = {pk: [] for pk in self.users}
        if self.users:
            self._read_progress()
            self._read_follows()
            self._read_notifications()
            self._read_threads()
            self._read_outcomes()
            self._read_mentor_sections()
            self._read_weekly_goals()
            self._read_stalls()

    def _read_outcomes(self) -> None:
        """Review requests answered (or expired) since each learner's start: one query."""
        # A decision counts from when it was made (a reply or an admin correction moves
        # updated_at, not decided_at); an expiry from its last change.
        # The query asks from the earliest start of the batch; each learner's own start is
        # applied here (one condition per learner would cost more to compile than to run).
        earliest = min(self.since.values())
        decided = Q(
            state__in=[ReviewRequest.State.VERIFIED, ReviewRequest.State.NEEDS_WORK], decided_at__gte=earliest
        )
        expired = Q(state=ReviewRequest.State.EXPIRED, updated_at__gte=earliest)
        rows = (
            ReviewRequest.objects.filter(
                decided | expired, learner_id__in=self.users, updated_at__lt=self.now
            )
            .order_by("learner_id", "-updated_at")
            .values_list(
                "pk",
                "learner_id",
                "state",
                "decided_at",
                "updated_at",
                "decided_by__username",
                "decided_by__display_name",
                *_title_columns("topic"),
            )
        )
        for pk, learner_id, state, decided_at, updated_at, username, display_name, *titles in rows:
            counted_from = updated_at if state == ReviewRequest.State.EXPIRED else decided_at
            if counted_from < self.since[learner_id]:
                continue
            language = language_of(self.users[learner_id])
            self.outcomes[learner_id].append(
                Outcome(
                    topic_title=_in_language(_by_language(titles), language),
                    state=state,
                    mentor=display_name or username or "",
                    url=absolute(_path("community:review-detail", pk=pk)),
                )
            )

    def _read_mentor_sections(self) -> None:
        """For the mentors of the batch: review requests and unanswered questions waiting in the
        sections they cover. One query, three when the batch has mentors with sections."""
        chosen = list(
            MentorSection.objects.filter(
                # Sections a member chose while a mentor say nothing once the role is gone.
                mentor_id__in=User.objects.filter(mentor_q(), pk__in=self.users).values("pk")
            )
            .order_by("section__roadmap__position", "section__position")
            .values_list(
                "mentor_id", "section_id", *_title_columns("section__roadmap"), *_title_columns("section")
            )
        )
        if not chosen:
            return
        section_ids = {row[1] for row in chosen}
        requests = dict(
            ReviewRequest.objects.unclaimed()
            .filter(topic__section_id__in=section_ids)
            .values("topic__section_id")
            .annotate(count=Count("pk"))
            .values_list("topic__section_id", "count")
        )
        questions = dict(
            Thread.objects.published()
            .filter(topic__section_id__in=section_ids, accepted_comment__isnull=True, is_locked=False)
            .values("topic__section_id")
            .annotate(count=Count("pk"))
            .values_list("topic__section_id", "count")
        )
        languages = len(translated_languages.AVAILABLE_LANGUAGES)
        for mentor_id, section_id, *titles in chosen:
            if requests.get(section_id) or questions.get(section_id):
                language = language_of(self.users[mentor_id])
                roadmap_title = _in_language(_by_language(titles[:languages]), language)
                section_title = _in_language(_by_language(titles[languages:]), language)
                self.waiting[mentor_id].append(
                    SectionWaiting(
                        title=f"{roadmap_title}: {section_title}",
                        requests=requests.get(section_id, 0),
                        questions=questions.get(section_id, 0),
                    )
                )

    def _read_weekly_goals(self) -> None:
        """Topics finished in the GOAL_WINDOW before now by the learners who set a weekly goal:
        one query, none when nobody in the batch did."""
        goals = {pk: user.weekly_goal for pk, user in self.users.items() if user.weekly_goal}
        if not goals:
            return
        finished = dict(
            ProgressEvent.objects.filter(
                user_id__in=goals,
                kind=ProgressEvent.Kind.DONE,
                created_at__gte=self.now - GOAL_WINDOW,
                created_at__lt=self.now,
            )
            .values("user_id")
            .annotate(count=Count("topic_id", distinct=True))
            .values_list("user_id", "count")
            .order_by()
        )
        self.weekly_goals = {
            pk: WeeklyGoal(goal=goal, finished=finished.get(pk, 0)) for pk, goal in goals.items()
        }

    def _read_progress(self) -> None:
        """Each learner's roadmaps, named in the learner's language: the batch reads the
        roadmaps' titles in every language at once, and each roadmap's structure once per
        language its learners read."""
        titles = [
            f"topic__roadmap__{build_localized_fieldname('title', code)}"
            for code in translated_languages.AVAILABLE_LANGUAGES
        ]
        rows = (
            Progress.objects.filter(
                user_id__in=self.users, topic__is_published=True, topic__roadmap__is_published=True
            )
            .order_by("-updated_at")
            .values_list(
                "user_id",
                "topic_id",
                "status",
                "updated_at",
                "topic__roadmap_id",
                "topic__roadmap__slug",
                *titles,
            )
        )
        per_user: dict[int, list] = {}
        roadmaps: dict[int, Roadmap] = {}  # id, slug and titles: all a structure and a link need
        for row in rows:
            per_user.setdefault(row[0], []).append(row)
            if row[4] not in roadmaps:
                roadmaps[row[4]] = Roadmap(
                    pk=row[4],
                    slug=row[5],
                    **{name.rpartition("__")[2]: title for name, title in zip(titles, row[6:], strict=True)},
                )
        structures: dict[tuple[int, str], _Outline] = {}
        for user_id, user_rows in per_user.items():
            learner = self.learners[user_id]
            statuses = {row[1]: row[2] for row in user_rows}
            updated = {row[1]: row[3] for row in user_rows}
            with in_language_of(self.users[user_id]):
                language = translation.get_language()
                for roadmap_id in dict.fromkeys(row[4] for row in user_rows):  # most recently active first
                    roadmap = roadmaps[roadmap_id]
                    if (roadmap_id, language) not in structures:
                        structures[roadmap_id, language] = _Outline.of(
                            roadmap_selectors.roadmap_structure(roadmap)
                        )
                    learner.roadmaps.append(
                        _roadmap_progress(
                            roadmap, structures[roadmap_id, language], statuses, updated, self.since[user_id]
                        )
                    )
            learner.watched_topic_ids |= {
                pk for pk, status in statuses.items() if status == Progress.Status.LEARNING
            }
            learner.watched_topic_ids |= {
                roadmap.next_topics[0].topic_id for roadmap in learner.roadmaps if roadmap.next_topics
            }
            learner.done_topic_ids = {pk for pk, status in statuses.items() if status == Progress.Status.DONE}
            learner.learning = {pk for pk, status in statuses.items() if status == Progress.Status.LEARNING}

    def _read_stalls(self) -> None:
        """Topics learners have been learning for more than STALL_FACTOR times their median (a
        median of at least MIN_LEARNERS finishes), the longest first, and the most helpful
        answered threads on them: one query when someone is learning, two when a topic they
        learn has a median (when each started it, from the history: the first start of their
        current run), three when one stalled."""
        learning = set().union(*(learner.learning for learner in self.learners.values()))
        if not learning:
            return
        medians = {  # topic id: (median, {language: title}), the titles for each learner's language
            topic_id: (median, _by_language(titles))
            for topic_id, median, *titles in TopicInsight.objects.filter(
                topic_id__in=learning, median_days__isnull=False, finished__gte=MIN_LEARNERS
            ).values_list("topic_id", "median_days", *_title_columns("topic"))
        }
        if not medians:
            return
        learners = [pk for pk, learner in self.learners.items() if learner.learning & medians.keys()]
        started = roadmap_selectors.learning_since(user_ids=learners, topic_ids=list(medians))
        stalled: dict[int, list[tuple[datetime, datetime, int]]] = {}
        for (user_id, topic_id), since in started.items():
            if topic_id in self.learners[user_id].learning:
                stalled_at = since + timedelta(days=STALL_FACTOR * medians[topic_id][0])
                if stalled_at < self.now:
                    stalled.setdefault(user_id, []).append((since, stalled_at, topic_id))
        if not stalled:
            return
        topic_ids = {topic_id for stalls in stalled.values() for _since, _at, topic_id in stalls}
        most_helpful = Window(
            RowNumber(),
            partition_by=[F("topic_id")],
            order_by=[F("helpful_count").desc(), F("reaction_count").desc(), F("pk").desc()],
        )
        threads: dict[int, list[Link]] = {}
        for pk, title, slug, topic_id, comment_count, helpful_count in (
            Thread.objects.published()
            .filter(topic_id__in=topic_ids, accepted_comment__isnull=False)
            .annotate(rank=most_helpful)
            .filter(rank__lte=MAX_STALL_THREADS)
            .order_by("topic_id", "rank")
            .values_list("pk", "title", "slug", "topic_id", "comment_count", "helpful_count")
        ):
            threads.setdefault(topic_id, []).append(
                Link(
                    title=title,
                    url=_thread_url(pk, slug),
                    thread_id=pk,
                    is_answered=True,
                    replies=comment_count,
                    helpful=helpful_count,
                )
            )
        ask = _path("community:thread-create")
        for user_id, stalls in stalled.items():
            language = language_of(self.users[user_id])
            for since, stalled_at, topic_id in sorted(stalls)[:MAX_STALLS]:
                titles = medians[topic_id][1]
                self.stalls[user_id].append(
                    Stall(
                        topic_title=_in_language(titles, language),
                        days=(self.now - since).days,
                        threads=threads.get(topic_id, []),
                        ask_url=absolute(f"{ask}?topic={topic_id}"),
                        is_new=stalled_at >= self.since[user_id],
                    )
                )

    def _read_follows(self) -> None:
        follows = (
            Follow.objects.filter(user_id__in=self.users)
            .filter(Q(topic__isnull=False) | Q(tag__isnull=False))
            .values_list("user_id", "topic_id", "tag_id")
        )
        for user_id, topic_id, tag_id in follows:
            if topic_id:
                self.learners[user_id].watched_topic_ids.add(topic_id)
            if tag_id:
                self.learners[user_id].followed_tag_ids.add(tag_id)

    def _read_notifications(self) -> None:
        """Replies and mentions on published posts since each learner's start, newest first,
        at most MAX_COUNTED per learner; not the kinds a learner turned off in their notification
        settings ("at once" and "digest only" both show here).

        The query asks from the earliest start of the batch and each learner's own start is
        applied here: newest first, a learner's notifications since their start come before
        any older one, so ranking before that cut keeps the same MAX_COUNTED."""
        since = Q(recipient_id__in=self.users, created_at__gte=min(self.since.values()))
        newest_first = Window(RowNumber(), partition_by=[F("recipient_id")], order_by=F("created_at").desc())
        turned_off = EmailPreference.objects.filter(
            user_id=OuterRef("recipient_id"), kind=OuterRef("verb"), mode=EmailPreference.Mode.OFF
        )
        notifications = (
            Notification.objects.filter(since, verb__in=REPLY_VERBS, created_at__lt=self.now)
            .filter(thread__status=Status.PUBLISHED)
            .filter(Q(comment__isnull=True) | Q(comment__status=Status.PUBLISHED))
            .exclude(Exists(turned_off))
            .annotate(rank=newest_first)
            .filter(rank__lte=MAX_COUNTED)
            .order_by("recipient_id", "-created_at")
            .values_list(*_NOTIFICATION_COLUMNS)
        )
        for notification in map(_NotificationRow._make, notifications):
            if notification.created_at >= self.since[notification.recipient_id]:
                self.notifications[notification.recipient_id].append(notification)

    def _read_threads(self) -> None:
        topic_ids = set().union(
            *(learner.watched_topic_ids | learner.done_topic_ids for learner in self.learners.values())
        )
        tag_ids = set().union(*(learner.followed_tag_ids for learner in self.learners.values()))
        if not (topic_ids or tag_ids):
            return
        watched = Q(topic_id__in=topic_ids) if topic_ids else Q()
        if tag_ids:
            tagged = Thread.tags.through.objects.filter(thread_id=OuterRef("pk"), tag_id__in=tag_ids)
            watched |= Q(Exists(tagged))
        rows = (
            Thread.objects.published()
            .filter(watched, last_activity_at__gte=min(self.since.values()), last_activity_at__lt=self.now)
            .order_by("-last_activity_at")
            .values_list(*_THREAD_COLUMNS)
        )
        self.threads = [_ThreadRow.from_values(row) for row in rows[:THREAD_POOL]]
        position = {thread.pk: index for index, thread in enumerate(self.threads)}
        for index, thread in enumerate(self.threads):
            self.threads_on_topic.setdefault(thread.topic_id, []).append(index)
        if tag_ids and self.threads:
            for thread_id, tag_id in Thread.tags.through.objects.filter(
                thread_id__in=list(position), tag_id__in=tag_ids
            ).values_list("thread_id", "tag_id"):
                self.thread_tags.setdefault(thread_id, set()).add(tag_id)
                self.threads_with_tag.setdefault(tag_id, []).append(position[thread_id])

    def _threads_for(self, learner: _Learner) -> list[_ThreadRow]:
        """The pool's threads on the learner's watched or done topics or with a tag they follow,
        in the pool's order (latest activity first): all that build() chooses from, found
        without going through the whole pool for every learner of the batch."""
        positions = set()
        for topic_id in learner.watched_topic_ids | learner.done_topic_ids:
            positions.update(self.threads_on_topic.get(topic_id, ()))
        for tag_id in learner.followed_tag_ids:
            positions.update(self.threads_with_tag.get(tag_id, ()))
        return [self.threads[index] for index in sorted(positions)]

    def build(self, user) -> Digest | None:
        """The learner's digest, or None when nothing is new."""
        since = self.since[user.pk]
        learner = self.learners[user.pk]
        language = language_of(user)
        digest = Digest(
            user=user,
            since=since,
            now=self.now,
            roadmaps=learner.roadmaps,
            outcomes=self.outcomes[user.pk],
            waiting=self.waiting[user.pk],
            weekly_goal=self.weekly_goals.get(user.pk),
            stalls=self.stalls[user.pk],
        )

        notifications = self.notifications[user.pk]
        for notification in notifications:
            digest.reply_counts[notification.verb] = digest.reply_counts.get(notification.verb, 0) + 1
        digest.has_more_replies = len(notifications) >= MAX_COUNTED
        digest.replies = [_reply(notification) for notification in notifications[:MAX_REPLIES]]

        recent = [
            thread
            for thread in self._threads_for(learner)
            if thread.last_activity_at >= since and (thread.author_id is None or thread.author_id != user.pk)
        ]
        popular = [
            thread
            for thread in recent
            if thread.topic_id in learner.watched_topic_ids
            or self.thread_tags.get(thread.pk, set()) & learner.followed_tag_ids
        ]
        popular.sort(
            key=lambda thread: (thread.reaction_count, thread.comment_count, thread.last_activity_at),
            reverse=True,
        )
        digest.threads = [
            _thread_link(thread, since=since, language=language) for thread in popular[:MAX_THREADS]
        ]

        shown = {link.thread_id for link in digest.threads}
        unanswered = [
            thread
            for thread in recent
            if thread.topic_id in learner.done_topic_ids
            and thread.accepted_comment_id is None
            and not thread.is_locked
            and thread.created_at >= since
            and thread.pk not in shown
        ]
        unanswered.sort(key=lambda thread: (thread.comment_count, -thread.created_at.timestamp()))
        digest.help_threads = [
            _thread_link(thread, since=since, language=language) for thread in unanswered[:MAX_HELP]
        ]

        return digest if digest.has_news else None


def build_digest(user, *, since: datetime, now: datetime) -> Digest | None:
    """The learner's digest for news between `since` and `now`, or None when nothing is new."""
    return DigestBuilder([user], since={user.pk: since}, now=now).build(user)


def digest_builder(users, *, now: datetime) -> DigestBuilder:
    """A builder for these users' digests at `now`, each starting where their last one ended."""
    previous = previous_digests(user_ids=[user.pk for user in users], now=now) if users else {}
    since = {
        user.pk: news_start(frequency=user.digest_frequency, now=now, previous=previous.get(user.pk))
        for user in users
    }
    return DigestBuilder(users, since=since, now=now)
