"""What each write changes on which pages: the cases every write path is run through.

An `Edit` changes one shown field of one row (hiding a post is an edit of its status); the
admin form, a plain `.save()` and a `QuerySet.update()` with `touch()` each make it, and the
pages must follow whichever did. A `Removal` deletes a row, by each path that can. Texts are
the world's marker words (tests/freshness/world.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import Group

from accounts.models import MENTORS_GROUP
from community import services
from community.markdown import render_post
from community.models import Bookmark, Follow, MentorSection, Reaction, ReviewRequest, Status
from roadmap.models import Progress, QuizQuestion, Roadmap
from tests.freshness.pages import ANONYMOUS, MEMBER, Shows
from tests.freshness.world import World

# The pages that show a thread: its own, every list it is in, the feeds, search and the API.
THREAD_PAGES = (
    "thread page",
    "/discussions/",
    "/discussions/?tag=",
    "/discussions/?topic=",
    "tag page",
    "home",
    "topic page",
    "author profile",
    "feed",
    "tag feed",
    "search",
    "API threads",
    "API thread",
)
# The map counts a topic's published threads.
ONE_DISCUSSION = Shows(("map",), gone=('<span class="node-discussions">1 discussion</span>',))
COMMENT_PAGES = ("thread page", "API comments", "API comment")
MENTOR_BADGE = (
    Shows(("thread page",), gone=('title="Stepwise mentor">Mentor</span>',)),
    Shows(("mentor profile",), gone=('<span class="badge">Mentor</span>',)),
)


def _reaction(world: World) -> Reaction:
    services.reaction_set(user=world.member, target=world.thread, kind="like")
    return Reaction.objects.get(user=world.member, thread=world.thread)


def _follow(world: World) -> Follow:
    services.follow_set(user=world.member, thread=world.thread)
    return Follow.objects.get(user=world.member, thread=world.thread)


def _bookmark(world: World) -> Bookmark:
    services.bookmark_set(user=world.member, thread=world.thread)
    return Bookmark.objects.get(user=world.member, thread=world.thread)


def _progress(world: World) -> Progress:
    return Progress.objects.create(user=world.member, topic=world.topic, status=Progress.Status.LEARNING)


def _done(world: World) -> Progress:
    return Progress.objects.create(user=world.member, topic=world.topic, status=Progress.Status.DONE)


def _verified_review(world: World) -> ReviewRequest:
    """The member's request on the world's topic, verified by the mentor."""
    _done(world)
    return ReviewRequest.objects.create(
        learner=world.member,
        topic=world.topic,
        links=["https://github.com/example/work"],
        state=ReviewRequest.State.VERIFIED,
        decided_by=world.mentor,
        decided_at=datetime(2026, 12, 1, 12, tzinfo=UTC),
    )


def _covered_section(world: World) -> MentorSection:
    return MentorSection.objects.create(mentor=world.mentor, section=world.section)


# The profile's "how they helped" counts, and the sections a mentor covers.
ONE_VERIFIED = "<strong>1</strong> topic verified"
NONE_VERIFIED = "<strong>0</strong> topics verified"
COVERS = "Covers: Kestrel Ocelot roadmap · Kestrel Ibex section"
# The activity calendar's summary: the mentor's one comment, made today.
MENTOR_ACTIVE = "1 active day and 1 thing done"
MENTOR_IDLE = "0 active days and 0 things done"


def _verified_mark(world: World) -> str:
    """The start of the map's "Verified" mark on the world's topic (hidden unless verified)."""
    return f'id="verified-{world.topic.slug}" '


def _roadmap_without_topics(world: World) -> Roadmap:
    """The admin cannot delete a roadmap with topics (their sections protect them); one
    without is still listed."""
    return Roadmap.objects.create(slug="dingo", title="Kestrel Dingo roadmap", summary="Not started yet.")


def _mentors(world: World) -> Group:
    return Group.objects.get(name=MENTORS_GROUP)


# How a thread page shows its viewer their own reaction, follow and save: in the markup of the
# buttons (a given reaction's button asks to take it back). Should that state move out of the
# HTML, these three change, not the cases.
def _pressed(world: World, kind: str) -> str:
    return f'name="clear" value="{kind}"'


FOLLOWING = 'aria-pressed="true" aria-describedby="watch-hint-watching">Watching</button>'
SAVED = 'aria-pressed="true">Saved</button>'


@dataclass(frozen=True)
class Edit:
    """A change of shown fields of the row `target(world)` returns (it may create it: a
    member's own reaction, follow, bookmark or progress). `form` is what is typed into its
    admin change form; `fields` what code assigns, or for a many-to-many field, `m2m` what
    code calls on the row."""

    id: str
    target: Callable[[World], object]
    form: Callable[[World], dict]
    fields: Callable[[World], dict] | None
    expect: Callable[[World], list[Shows]]
    m2m: Callable[[object], None] | None = None

    @property
    def model(self) -> str:
        return self.id.split(" ")[0]


# Every page that shows the thread author's name.
AUTHOR_NAME_PAGES = (
    "thread page",
    "/discussions/",
    "tag page",
    "topic page",
    "home",
    "author profile",
    "feed",
    "search",
    "API threads",
    "API thread",
)

QUIZ_PAGES = ("topic page", "topic panel", "API quiz")


def _question(world: World) -> QuizQuestion:
    return QuizQuestion.objects.get(topic=world.topic)


EDITS = [
    Edit(
        "roadmap.QuizQuestion text",
        target=_question,
        form=lambda world: {"text": "Kestrel Dugong question?"},
        fields=lambda world: {"text": "Kestrel Dugong question?"},
        expect=lambda world: [Shows(QUIZ_PAGES, gone=("Quokka",), shown=("Dugong",))],
    ),
    Edit(
        "accounts.User display_name",
        target=lambda world: world.author,
        form=lambda world: {"display_name": "Author Condor"},
        fields=lambda world: {"display_name": "Author Condor"},
        expect=lambda world: [
            Shows(
                AUTHOR_NAME_PAGES,
                gone=("Falcon",),
                shown=("Condor",),
            )
        ],
    ),
    Edit(
        "accounts.User bio",
        target=lambda world: world.author,
        form=lambda world: {"bio": "Kestrel bio about the Heron."},
        fields=lambda world: {"bio": "Kestrel bio about the Heron."},
        expect=lambda world: [Shows(("author profile",), shown=("Heron",))],
    ),
    Edit(
        "accounts.User is_progress_public",
        target=lambda world: world.member,
        form=lambda world: {"is_progress_public": ""},
        fields=lambda world: {"is_progress_public": False},
        expect=lambda world: [
            Shows(
                ("member profile",),
                gone=("No roadmap started yet.", "activity-calendar"),
                viewers=(ANONYMOUS,),
            ),
            Shows(("member profile",), shown=("Only you can see this",), viewers=(MEMBER,)),
        ],
    ),
    Edit(
        "accounts.User groups",
        target=lambda world: world.member,
        form=lambda world: {"groups": [str(_mentors(world).pk)]},
        fields=None,
        m2m=lambda user: user.groups.add(Group.objects.get(name=MENTORS_GROUP)),
        expect=lambda world: [
            Shows(("member profile",), shown=('<span class="badge">Mentor</span>', "Mentoring"))
        ],
    ),
    Edit(
        "accounts.User suspended_until",
        target=lambda world: world.member,
        form=lambda world: {"suspended_until_0": "2099-01-01", "suspended_until_1": "12:00:00"},
        fields=lambda world: {"suspended_until": datetime(2099, 1, 1, 12, tzinfo=UTC)},
        expect=lambda world: [
            Shows(
                ("thread page",),
                gone=("Post reply",),
                shown=("Your account is suspended until",),
                viewers=(MEMBER,),
            ),
            Shows(
                ("API thread",),
                gone=('"can_comment":true',),
                shown=('"can_comment":false',),
                viewers=(MEMBER,),
            ),
        ],
    ),
    Edit(
        "auth.Group permissions",
        target=_mentors,
        form=lambda world: {"permissions": []},
        fields=None,
        m2m=lambda group: group.permissions.clear(),
        expect=lambda world: list(MENTOR_BADGE),
    ),
    Edit(
        "roadmap.Roadmap title",
        target=lambda world: world.roadmap,
        form=lambda world: {"title": "Kestrel Caracal roadmap"},
        fields=lambda world: {"title": "Kestrel Caracal roadmap"},
        expect=lambda world: [
            Shows(
                (
                    "roadmap list",
                    "home",
                    "map",
                    "topic page",
                    "thread page",
                    "search",
                    "API roadmaps",
                    "API roadmap",
                ),
                gone=("Ocelot",),
                shown=("Caracal",),
            )
        ],
    ),
    Edit(
        "roadmap.Section title",
        target=lambda world: world.section,
        form=lambda world: {"title": "Kestrel Chamois section"},
        fields=lambda world: {"title": "Kestrel Chamois section"},
        expect=lambda world: [
            Shows(
                ("map", "topic page", "topic panel", "API roadmap", "API topic"),
                gone=("Ibex",),
                shown=("Chamois",),
            )
        ],
    ),
    Edit(
        "roadmap.Topic title",
        target=lambda world: world.topic,
        form=lambda world: {"title": "Kestrel Serval topic"},
        fields=lambda world: {"title": "Kestrel Serval topic"},
        expect=lambda world: [
            Shows(
                (
                    "map",
                    "topic page",
                    "topic panel",
                    "thread page",
                    "/discussions/",
                    "/discussions/?topic=",
                    "tag page",
                    "home",
                    "search",
                    "API roadmap",
                    "API topic",
                    "API threads",
                    "API thread",
                ),
                gone=("Lynx",),
                shown=("Serval",),
            )
        ],
    ),
    Edit(
        "roadmap.Topic body",
        target=lambda world: world.topic,
        form=lambda world: {"body": "Kestrel topic body about the Pika.\n"},
        fields=lambda world: {
            "body": "Kestrel topic body about the Pika.\n",
            "body_html": "<p>Kestrel topic body about the Pika.</p>",
        },
        expect=lambda world: [
            Shows(("topic page", "topic panel", "API topic"), gone=("Marmot",), shown=("Pika",))
        ],
    ),
    Edit(
        "roadmap.Progress verified_by",
        target=_done,
        form=lambda world: {
            "verified_by": str(world.author.pk),
            "verified_at_0": "2026-12-01",
            "verified_at_1": "12:00:00",
        },
        fields=lambda world: {
            "verified_by": world.author,
            "verified_at": datetime(2026, 12, 1, 12, tzinfo=UTC),
        },
        expect=lambda world: [
            Shows(
                ("map",),
                gone=(_verified_mark(world) + "hidden>",),
                shown=(_verified_mark(world) + ">",),
                viewers=(MEMBER,),
            ),
            Shows(
                ("member profile",),
                gone=("1 done, 0 topics verified by a mentor",),
                shown=("1 done, 1 topic verified by a mentor",),
            ),
            Shows(
                ("API topic",),
                gone=('"is_verified":false',),
                shown=('"is_verified":true',),
                viewers=(MEMBER,),
            ),
        ],
    ),
    Edit(
        "roadmap.Progress status",
        target=_progress,
        form=lambda world: {"status": Progress.Status.DONE},
        fields=lambda world: {"status": Progress.Status.DONE},
        expect=lambda world: [
            Shows(("member profile",), gone=("0% — 0 of 2 topics",), shown=("50% — 1 of 2 topics",)),
            Shows(("API member progress",), gone=('"finished":0',), shown=('"finished":1',)),
            Shows(
                ("map",),
                gone=('class="status-text">Learning<',),
                shown=('class="status-text">Done<',),
                viewers=(MEMBER,),
            ),
            Shows(
                ("topic page", "topic panel"),
                gone=('status-learning">Learning<',),
                shown=('status-done">Done<',),
                viewers=(MEMBER,),
            ),
            Shows(("roadmap list",), gone=("(0 of 2)",), shown=("(1 of 2)",), viewers=(MEMBER,)),
            Shows(
                ("API roadmap", "API topic"),
                gone=('"status":"learning"',),
                shown=('"status":"done"',),
                viewers=(MEMBER,),
            ),
        ],
    ),
    Edit(
        "community.Tag name",
        target=lambda world: world.tag,
        form=lambda world: {"name": "Kestrel Gaur tag"},
        fields=lambda world: {"name": "Kestrel Gaur tag"},
        expect=lambda world: [
            Shows(("tag page", "search", "feed", "tag feed", "API tags"), gone=("Bison",), shown=("Gaur",))
        ],
    ),
    Edit(
        "community.Tag slug",
        target=lambda world: world.tag,
        form=lambda world: {"slug": "yak"},
        fields=lambda world: {"slug": "yak"},
        expect=lambda world: [
            Shows(
                ("thread page", "/discussions/", "topic page", "home", "API threads", "API thread"),
                gone=("bison",),
                shown=("yak",),
            )
        ],
    ),
    Edit(
        "community.Thread title",
        target=lambda world: world.thread,
        form=lambda world: {"title": "Kestrel Okapi question"},
        fields=lambda world: {"title": "Kestrel Okapi question"},
        expect=lambda world: [Shows(THREAD_PAGES, gone=("Zebra",), shown=("Okapi",))],
    ),
    Edit(
        "community.Thread tags",
        target=lambda world: world.thread,
        form=lambda world: {"tags": []},
        fields=None,
        m2m=lambda thread: thread.tags.clear(),
        expect=lambda world: [
            Shows(("thread page",), gone=("#bison",)),
            Shows(("/discussions/?tag=", "tag page", "tag feed"), gone=("Zebra",)),
            Shows(("API threads",), gone=('"tags":["bison"]',)),
            Shows(("API thread",), gone=('"tags":["bison"]',), shown=('"tags":[]',)),
        ],
    ),
    Edit(
        "community.Thread body",
        target=lambda world: world.thread,
        form=lambda world: {"body": "Kestrel thread body about the Narwhal."},
        fields=lambda world: {
            "body": "Kestrel thread body about the Narwhal.",
            "body_html": render_post("Kestrel thread body about the Narwhal.").html,
        },
        expect=lambda world: [
            Shows(("thread page", "feed", "tag feed", "API thread"), gone=("Walrus",), shown=("Narwhal",))
        ],
    ),
    Edit(
        "community.Thread status",
        target=lambda world: world.thread,
        form=lambda world: {"status": Status.HIDDEN},
        fields=lambda world: {"status": Status.HIDDEN},
        expect=lambda world: [Shows(THREAD_PAGES, gone=("Zebra",)), ONE_DISCUSSION],
    ),
    Edit(
        "community.Thread is_locked",
        target=lambda world: world.thread,
        form=lambda world: {"is_locked": "on"},
        fields=lambda world: {"is_locked": True},
        expect=lambda world: [
            Shows(("thread page",), shown=("This thread is locked",)),
            Shows(("thread page",), gone=("Post reply",), viewers=(MEMBER,)),
            Shows(("/discussions/", "topic page"), shown=('<span class="badge">Locked</span>',)),
        ],
    ),
    Edit(
        "community.Thread accepted_comment",
        target=lambda world: world.thread,
        form=lambda world: {"accepted_comment": str(world.comment.pk)},
        fields=lambda world: {"accepted_comment": world.comment},
        expect=lambda world: [
            Shows(("thread page",), shown=("Accepted answer by Mentor Osprey",)),
            Shows(("/discussions/", "topic page", "home"), shown=("badge-answered",)),
            Shows(("mentor profile",), gone=("No accepted answers yet.",), shown=("Zebra",)),
            Shows(("API thread",), gone=('"has_answer":false',), shown=('"has_answer":true',)),
        ],
    ),
    Edit(
        "community.Comment body",
        target=lambda world: world.comment,
        form=lambda world: {"body": "Kestrel reply about the Gannet."},
        fields=lambda world: {
            "body": "Kestrel reply about the Gannet.",
            "body_html": render_post("Kestrel reply about the Gannet.").html,
        },
        expect=lambda world: [Shows(COMMENT_PAGES, gone=("Puffin",), shown=("Gannet",))],
    ),
    Edit(
        "community.Comment status",
        target=lambda world: world.comment,
        form=lambda world: {"status": Status.HIDDEN},
        fields=lambda world: {"status": Status.HIDDEN},
        expect=lambda world: [
            Shows(COMMENT_PAGES, gone=("Puffin",)),
            Shows(("mentor profile",), gone=(MENTOR_ACTIVE,), shown=(MENTOR_IDLE,)),
        ],
    ),
    Edit(
        "community.ReviewRequest state",
        target=_verified_review,
        form=lambda world: {"state": ReviewRequest.State.NEEDS_WORK},
        fields=lambda world: {"state": ReviewRequest.State.NEEDS_WORK},
        expect=lambda world: [Shows(("mentor profile",), gone=(ONE_VERIFIED,), shown=(NONE_VERIFIED,))],
    ),
    Edit(
        "community.MentorSection mentor",
        target=_covered_section,
        form=lambda world: {"mentor": str(world.admin.pk)},
        fields=lambda world: {"mentor": world.admin},
        # Moved to another member: a `QuerySet.update()` and `touch()` reach the row as it is
        # now, so only the new member's profile is asked of every path.
        expect=lambda world: [Shows(("admin profile",), shown=(COVERS,))],
    ),
    Edit(
        "community.Reaction kind",
        target=_reaction,
        form=lambda world: {"kind": Reaction.Kind.HELPFUL},
        fields=lambda world: {"kind": Reaction.Kind.HELPFUL},
        expect=lambda world: [
            Shows(
                ("thread page",),
                gone=(_pressed(world, "like"),),
                shown=(_pressed(world, "helpful"),),
                viewers=(MEMBER,),
            ),
            Shows(
                ("API thread",),
                gone=('"reactions":["like"]',),
                shown=('"reactions":["helpful"]',),
                viewers=(MEMBER,),
            ),
        ],
    ),
    Edit(
        "community.Follow thread",
        target=_follow,
        form=lambda world: {"thread": str(world.other_thread.pk)},
        fields=lambda world: {"thread": world.other_thread},
        expect=lambda world: [
            Shows(("thread page",), gone=(FOLLOWING,), viewers=(MEMBER,)),
            Shows(("other thread page",), shown=(FOLLOWING,), viewers=(MEMBER,)),
        ],
    ),
    Edit(
        "community.Bookmark thread",
        target=_bookmark,
        form=lambda world: {"thread": str(world.other_thread.pk)},
        fields=lambda world: {"thread": world.other_thread},
        expect=lambda world: [
            Shows(("thread page",), gone=(SAVED,), viewers=(MEMBER,)),
            Shows(("other thread page",), shown=(SAVED,), viewers=(MEMBER,)),
            Shows(
                ("saved threads", "API saved threads"),
                gone=("Zebra",),
                shown=("Kestrel second thread",),
                viewers=(MEMBER,),
            ),
        ],
    ),
]


@dataclass(frozen=True)
class Removal:
    """A row that disappears (deleted or hidden): what pages must stop showing."""

    id: str
    target: Callable[[World], object]
    expect: Callable[[World], list[Shows]]

    @property
    def model(self) -> str:
        return self.id.split(" ")[0]


REMOVALS = [
    Removal(
        "roadmap.QuizQuestion",
        target=_question,
        expect=lambda world: [Shows(QUIZ_PAGES, gone=("Quokka", "Numbat"))],
    ),
    Removal(
        "community.Thread",
        target=lambda world: world.thread,
        expect=lambda world: [Shows(THREAD_PAGES, gone=("Zebra",)), ONE_DISCUSSION],
    ),
    Removal(
        "community.Comment",
        target=lambda world: world.comment,
        expect=lambda world: [
            Shows(COMMENT_PAGES, gone=("Puffin",)),
            Shows(("mentor profile",), gone=(MENTOR_ACTIVE,), shown=(MENTOR_IDLE,)),
        ],
    ),
    Removal(
        "community.ReviewRequest",
        target=_verified_review,
        expect=lambda world: [Shows(("mentor profile",), gone=(ONE_VERIFIED,), shown=(NONE_VERIFIED,))],
    ),
    Removal(
        "community.MentorSection",
        target=_covered_section,
        expect=lambda world: [Shows(("mentor profile",), gone=(COVERS,))],
    ),
    Removal(
        "community.Tag",
        target=lambda world: world.tag,
        expect=lambda world: [
            Shows(
                ("thread page", "/discussions/", "topic page", "home", "API threads", "API thread"),
                gone=("bison",),
            ),
            Shows(("tag page", "search", "feed", "API tags"), gone=("Bison",)),
        ],
    ),
    Removal(
        "accounts.User",
        target=lambda world: world.author,
        expect=lambda world: [
            Shows(
                AUTHOR_NAME_PAGES,
                gone=("Falcon",),
            )
        ],
    ),
    Removal("auth.Group", target=_mentors, expect=lambda world: list(MENTOR_BADGE)),
    Removal(
        "roadmap.Roadmap",
        target=_roadmap_without_topics,
        expect=lambda world: [Shows(("roadmap list", "home", "API roadmaps"), gone=("Dingo",))],
    ),
    Removal(
        "roadmap.Topic",
        target=lambda world: world.topic,
        expect=lambda world: [
            Shows(
                (
                    "map",
                    "topic page",
                    "thread page",
                    "/discussions/",
                    "tag page",
                    "home",
                    "search",
                    "API roadmap",
                    "API topic",
                    "API threads",
                    "API thread",
                ),
                gone=("Lynx",),
            )
        ],
    ),
    Removal(
        "roadmap.Progress",
        target=_progress,
        expect=lambda world: [
            Shows(("map",), gone=('class="status-text">Learning<',), viewers=(MEMBER,)),
            Shows(("API roadmap", "API topic"), gone=('"status":"learning"',), viewers=(MEMBER,)),
            Shows(("member profile", "API member progress"), gone=("Kestrel Ocelot roadmap",)),
        ],
    ),
    Removal(
        "community.Reaction",
        target=_reaction,
        expect=lambda world: [
            Shows(("thread page",), gone=(_pressed(world, "like"),), viewers=(MEMBER,)),
            Shows(("API thread",), gone=('"reactions":["like"]',), viewers=(MEMBER,)),
        ],
    ),
    Removal(
        "community.Follow",
        target=_follow,
        expect=lambda world: [
            Shows(("thread page",), gone=(FOLLOWING,), viewers=(MEMBER,)),
            Shows(("API thread",), gone=('"is_following":true',), viewers=(MEMBER,)),
        ],
    ),
    Removal(
        "community.Bookmark",
        target=_bookmark,
        expect=lambda world: [
            Shows(("thread page",), gone=(SAVED,), viewers=(MEMBER,)),
            Shows(("saved threads", "API saved threads"), gone=("Zebra",), viewers=(MEMBER,)),
        ],
    ),
]


def by_model(cases, *models: str) -> list:
    return [case for case in cases if case.model in models]


def expected(edit_id: str, world: World) -> list[Shows]:
    """What the edit `edit_id` must show, for another path that makes the same change."""
    return next(edit for edit in EDITS if edit.id == edit_id).expect(world)
