"""What discussion pages cache, and which writes retire it (see config.caching).

Tokens:
- THREAD, one per thread: its page (head, body, comments) and its anonymous copy;
- LISTS, one for the site: every list of threads (the discussions pages, tag and topic lists,
  the home page's cards, search, the API's lists), which show titles, counts and order;
- VIEWER, one per user: what thread pages show of them as a viewer (their reactions, follows,
  saves, open flags, hidden comments, verified email);
- NOTIFICATIONS, one per user: their unread count in the header;
- TOPIC_THREADS, one per roadmap: how many threads each of its topics has, on the map;
- INSIGHTS, one per topic page (its roadmap's id and its slug, as the page is found): the
  learners' figures on it, from its TopicInsight row; the insight refresh touches only the rows
  whose figures it changed (its bulk upsert sends no signal);
- INSIGHT_TABLE, one for the site: the report on /insights/, from every TopicInsight and
  SectionWeek row (and the roadmaps' names: CATALOGUE), retired by each insight refresh.
- FLAG_QUEUE and REVIEW_QUEUE, one each for the site: the mentors' header counts (posts
  flagged, review requests waiting), on every page a mentor sees; read with the member who
  loads (config.caching.Token), so that they cost no round trip of their own.

The sitemap's pages (SITEMAP_PAGE) are retired by LISTS (its threads) and roadmap's CATALOGUE
(its roadmaps and topics).

A member's profile (accounts.caches.PROFILE) shows their threads with their reply counts,
the threads whose accepted answer is theirs, their posts day by day (the activity calendar),
the reviews they decided and the sections they cover: the rules at the end bump it.

Names shown on thread pages and lists come from other rows (an author's name and role
badges, a topic's or tag's name): renaming or deleting one retires the threads that show it.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.caches import PROFILE
from community.insights import FIGURE_FIELDS
from community.models import (
    Bookmark,
    Comment,
    Flag,
    Follow,
    InsightCheckpoint,
    MentorSection,
    Notification,
    Reaction,
    ReviewRequest,
    Tag,
    Thread,
    ThreadMute,
    TopicInsight,
)
from config.caching import Cached, Counter, M2MRule, Rule, Token
from config.live import Topic as LiveTopic
from config.page_cache import Page
from config.slots import SHELL_KEY
from roadmap.caches import CATALOGUE
from roadmap.models import Roadmap, Topic

User = get_user_model()

THREAD = Token("thread")
LISTS = Token("lists", scoped=False)
VIEWER = Token("viewer", per_user=True)
NOTIFICATIONS = Token("notifications", per_user=True)
TOPIC_THREADS = Token("topic-threads")
INSIGHTS = Token("insights")
INSIGHT_TABLE = Token("insight-table", scoped=False)
FLAG_QUEUE = Token("flag-queue", scoped=False, read_with_member=True)
REVIEW_QUEUE = Token("review-queue", scoped=False, read_with_member=True)

# Open pages hear of these tokens' changes (config.live): a thread page, whoever may read the
# thread; the header's count, its member alone (with the count itself).
LIVE_THREAD = LiveTopic("thread", token=THREAD, allows="community.selectors.may_follow_thread")
LIVE_NOTIFICATIONS = LiveTopic(
    "notifications", token=NOTIFICATIONS, own=True, state="community.selectors.notification_state"
)


# --- What is cached --------------------------------------------------------------------

THREAD_HEAD = Cached(
    "thread-head",
    key=("pk",),
    tokens=lambda pk: [THREAD.key(pk)],
    timeout="fragment",
    build="community.selectors.thread_with_relations",
)
THREAD_BODY = Cached(
    "thread-body",  # all of a thread page but its comments, for a kind of viewer; rendered by the caller
    key=("thread_id", "variant"),
    tokens=lambda thread_id, variant: [THREAD.key(thread_id)],
    timeout="fragment",
    build=None,
    per_language=True,
)
THREAD_COMMENTS = Cached(
    "thread-comments",  # one page of a thread's comments, for a kind of viewer; rendered by the caller
    key=("thread_id", "page_number", "variant"),
    tokens=lambda thread_id, page_number, variant: [THREAD.key(thread_id)],
    timeout="fragment",
    build=None,
    per_language=True,
)
THREAD_SHELL = Cached(
    "thread-shell",  # a thread page around its body, for every signed-in visitor (config.slots.render_page)
    key=("thread_id", *SHELL_KEY),
    tokens=lambda thread_id, **where: [THREAD.key(thread_id)],
    timeout="fragment",
    build=None,
    per_language=True,
)
THREAD_META = Cached(
    "thread-meta",  # a thread page's description and JSON-LD element, for a page of its comments
    key=("thread_id", "page_number"),
    tokens=lambda thread_id, page_number: [THREAD.key(thread_id)],
    timeout="fragment",
    build="community.structured_data.thread_meta",
    per_language=True,
)
VIEWER_STATE = Cached(
    "viewer-state",
    key=("viewer_id", "thread_id"),
    tokens=lambda viewer_id, thread_id: [VIEWER.key(viewer_id)],
    timeout="viewer",
    build="community.selectors.read_viewer_state",
)
UNREAD_COUNT = Cached(
    "unread-count",
    key=("user_id",),
    tokens=lambda user_id: [NOTIFICATIONS.key(user_id)],
    timeout="viewer",
    build="community.selectors.count_unread",
)
TOPIC_THREAD_COUNTS = Cached(
    "topic-thread-counts",
    key=("roadmap_id",),
    tokens=lambda roadmap_id: [TOPIC_THREADS.key(roadmap_id)],
    timeout="structure",
    build="community.selectors.count_topic_threads",
)
THREAD_CARDS = Cached(
    "thread-cards",  # a page of a thread list's cards, the same for everyone; rendered by the caller
    key=("listing",),
    tokens=lambda listing: [LISTS.key()],
    timeout="cards",
    build=None,
    per_language=True,
)
SEARCH_RESULTS = Cached(
    "search",
    key=("query", "limit"),
    tokens=lambda query, limit: [LISTS.key(), CATALOGUE.key()],
    timeout="search",
    build="community.search.run_search",
    per_language=True,
)
API_THREADS = Cached(
    "api-threads",  # a first page of the API's thread list for anonymous clients; built by the view
    key=("host", "filters", "page_size"),
    tokens=lambda host, filters, page_size: [LISTS.key()],
    timeout="api",
    build=None,
    per_language=True,
)
MENTOR_QUEUES = Cached(
    "mentor-queues",  # what the mentors' header counts are read from (community.selectors.MentorQueues)
    key=(),
    tokens=lambda: [FLAG_QUEUE.key(), REVIEW_QUEUE.key()],
    timeout="viewer",
    build="community.selectors.read_mentor_queues",
)

INSIGHTS_REPORT = Cached(
    "insights-report",  # /insights/ below its heading, for a query and a day; rendered by the view
    key=("query", "day"),
    tokens=lambda query, day: [INSIGHT_TABLE.key(), CATALOGUE.key()],
    timeout="fragment",
    build=None,
    per_language=True,
)
INSIGHTS_SHELL = Cached(
    "insights-shell",  # /insights/ around its report, for every mentor and admin (config.slots.render_page)
    key=SHELL_KEY,
    tokens=lambda **where: [],
    timeout="fragment",
    build=None,
    per_language=True,
)

LISTS_PAGE = Page("lists", tokens=lambda request, **kwargs: [LISTS.key(), CATALOGUE.key()])
# The tag index shows each tag's name, description and thread count: Tag saves (and the
# counters' touch) and thread changes bump LISTS.
TAGS_PAGE = Page("tags", tokens=lambda request, **kwargs: [LISTS.key()])
THREAD_PAGE = Page("thread", tokens=lambda request, pk, **kwargs: [THREAD.key(pk)])
# The sitemap (config.sitemaps): its threads section lists threads, the others roadmaps and
# topics; the index counts the pages of every section.
SITEMAP_PAGE = Page(
    "sitemap",
    tokens=lambda request, section=None, **kwargs: {
        "threads": [LISTS.key()],
        "roadmaps": [CATALOGUE.key()],
        "topics": [CATALOGUE.key()],
        "pages": [],
    }.get(section, [LISTS.key(), CATALOGUE.key()]),
)

PREVIEWS = Counter("previews", key=("user_id", "minute"), timeout="rate")


# --- What retires it -------------------------------------------------------------------


def insights_scope(roadmap_id: int, topic_slug: str) -> str:
    """A topic page's INSIGHTS scope: what its URL names, so that serving the cached page
    needs no lookup of the topic."""
    return f"{roadmap_id}:{topic_slug}"


def _topic_roadmap(topic_id) -> list[int]:
    if topic_id is None:
        return []
    return list(Topic.objects.filter(pk=topic_id).values_list("roadmap_id", flat=True))


def _comment_tokens(comment) -> list[str]:
    # The author sees their own hidden comment: their viewer state says so. Lists show a
    # thread's comment count, which the services keep (and touch).
    return [THREAD.key(comment.thread_id), VIEWER.key(comment.author_id)]


def threads_of_authors(user_ids) -> set[int]:
    """The threads these users started or commented on, in two queries however many users."""
    threads = set(Thread.objects.filter(author_id__in=user_ids).values_list("pk", flat=True))
    return threads | set(
        Comment.objects.filter(author_id__in=user_ids).values_list("thread_id", flat=True).distinct()
    )


def _showing(threads) -> list[str]:
    return [*THREAD.keys(threads), LISTS.key()]


Rule(Thread, lambda thread: [THREAD.key(thread.pk), LISTS.key()])
Rule(
    Thread,
    lambda thread: TOPIC_THREADS.keys(_topic_roadmap(thread.topic_id)),
    fields=frozenset({"status", "topic"}),
    before=frozenset({"topic"}),
)
Rule(Comment, _comment_tokens)
Rule(
    TopicInsight,
    lambda insight: [INSIGHTS.key(insights_scope(insight.topic.roadmap_id, insight.topic.slug))],
    fields=FIGURE_FIELDS,
)
Rule(TopicInsight, lambda insight: [INSIGHT_TABLE.key()])
# Every run saves the checkpoint after rewriting the weeks (a delete and a bulk insert, which
# send no signal) and the rows it changed.
Rule(InsightCheckpoint, lambda checkpoint: [INSIGHT_TABLE.key()])
# A reaction shows as its giver's pressed button (their viewer state); the counts on pages
# are the post's own counters, which the services move and touch.
Rule(Reaction, lambda reaction: [VIEWER.key(reaction.user_id)])
for _model in (Follow, ThreadMute, Bookmark, EmailAddress):
    Rule(_model, lambda row: [VIEWER.key(row.user_id)])
# A post shows as flagged to its reporter while their flag is open.
Rule(
    Flag,
    lambda flag: [VIEWER.key(flag.reporter_id)] if flag.reporter_id else [],
    fields=frozenset({"status"}),
)
# The mentors' counts: posts with an open flag, and requests open or whose claim runs out.
Rule(Flag, lambda flag: [FLAG_QUEUE.key()], fields=frozenset({"status", "thread", "comment"}))
Rule(ReviewRequest, lambda review: [REVIEW_QUEUE.key()], fields=frozenset({"state", "claim_expires_at"}))
Rule(Notification, lambda notification: [NOTIFICATIONS.key(notification.recipient_id)])
Rule(Tag, lambda tag: [LISTS.key()])
Rule(
    Tag,
    lambda tag: _showing(Thread.objects.filter(tags=tag.pk).values_list("pk", flat=True)),
    fields=frozenset({"name", "slug"}),
    on_create=False,
)
M2MRule(Thread.tags.through, lambda thread_ids: _showing(thread_ids), reverse_set="threads")
# An author's name and role badges show on every thread they posted in, and a topic's and its
# roadmap's names on the threads about it.
Rule(
    User,
    lambda user: _showing(threads_of_authors([user.pk])),
    fields=frozenset({"username", "display_name", "is_staff", "is_active", "is_superuser"}),
    on_create=False,
)
Rule(
    Topic,
    lambda topic: _showing(Thread.objects.filter(topic_id=topic.pk).values_list("pk", flat=True)),
    fields=frozenset({"title", "slug"}),
    on_create=False,
)
Rule(
    Roadmap,
    lambda roadmap: _showing(
        Thread.objects.filter(topic__roadmap_id=roadmap.pk).values_list("pk", flat=True)
    ),
    fields=frozenset({"title", "slug"}),
    on_create=False,
)
# Roles: a user joining or leaving a group, given or losing a permission, or a group gaining
# or losing one, may change the badges on their posts.
M2MRule(User.groups.through, lambda user_ids: _showing(threads_of_authors(user_ids)), reverse_set="user_set")
M2MRule(
    User.user_permissions.through,
    lambda user_ids: _showing(threads_of_authors(user_ids)),
    reverse_set="user_set",
)
# Deleting a group drops its memberships by cascade, with no m2m_changed: its deletion itself
# retires its members' posts (a save of a group changes no badge).
Rule(
    Group,
    lambda group: _showing(threads_of_authors(set(group.user_set.values_list("pk", flat=True)))),
    fields=frozenset(),
    on_create=False,
)
M2MRule(
    Group.permissions.through,
    lambda group_ids: _showing(
        threads_of_authors(set(User.objects.filter(groups__in=group_ids).values_list("pk", flat=True)))
    ),
    reverse_set="group_set",
)


# --- Profiles ---------------------------------------------------------------------------


def _answer_author_profile(thread) -> list[str]:
    """The profile listing this thread among its accepted answers."""
    if thread.accepted_comment_id is None:
        return []
    authors = Comment.objects.filter(pk=thread.accepted_comment_id).values_list("author_id", flat=True)
    return PROFILE.keys(authors)


# Any save of a thread may change its line on its author's profile (a reply moves its count,
# which the services touch).
Rule(Thread, lambda thread: PROFILE.keys([thread.author_id]), before=frozenset({"author"}))
Rule(
    Thread,
    _answer_author_profile,
    fields=frozenset({"title", "slug", "status", "accepted_comment"}),
    before=frozenset({"accepted_comment"}),
)
Rule(Comment, lambda comment: PROFILE.keys([comment.author_id]))
Rule(
    ReviewRequest,
    lambda review: PROFILE.keys([review.decided_by_id]),
    fields=frozenset({"state", "decided_by", "learner"}),
    before=frozenset({"decided_by"}),
)
Rule(MentorSection, lambda row: PROFILE.keys([row.mentor_id]))
