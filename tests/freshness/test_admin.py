"""Whoever writes, pages follow: every write the admin can make to what a public page shows
(change forms, delete pages, actions, inlines) shows on the next request to every page that
showed it, warm in the cache, anonymous and signed in.

The admin's models are read from `admin.site._registry`, so a model registered later without
a case here, or without being judged "shown on no page" (NOT_SHOWN, with the reason), fails
test_every_admin_write_to_a_shown_model_has_a_case.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.test import RequestFactory

from community import moderation
from community.models import Comment, Flag, Status
from roadmap.models import Project, QuizOption, Resource
from tests.freshness.cases import EDITS, REMOVALS, by_model, expected
from tests.freshness.pages import MEMBER, Shows
from tests.freshness.world import World

pytestmark = [pytest.mark.django_db, pytest.mark.redis, pytest.mark.postgres]

# Registered in the admin and shown on no public page (with why), so not in these cases.
NOT_SHOWN = {
    "sites.Site": "its name and domain go into emails only",
    "account.EmailAddress": "addresses are never shown; its make_verified action changes what the "
    "member may do on the pages, a case of ACTIONS",
    "socialaccount.SocialApp": "sign-in provider settings",
    "socialaccount.SocialToken": "sign-in provider secrets",
    "socialaccount.SocialAccount": "links to sign-in providers, never shown",
    "mfa.Authenticator": "second factors, never shown",
    "usersessions.UserSession": "a member's sessions, shown to nobody but the admin",
    "roadmap.Note": "private to the learner; the admin can neither read nor change it",
    "roadmap.QuizAttempt": "read-only: learners' attempts, whose results are rendered for their learner "
    "on each request; a pass shows on cached pages through its Progress row",
    "roadmap.ProgressEvent": "read-only: the progress history, appended by Progress writes (whose cases "
    "show the profile follows)",
    "community.TopicInsight": "read-only: recomputed by a task, whose refresh touches its rows, so the "
    "figures on cached topic pages follow (tests/community/test_topic_figures.py)",
    "community.Notification": "private to its recipient (/notifications/ and the header's count)",
    "community.OutboxEvent": "read-only: the queue of follow-up work",
    "community.ModerationAction": "read-only: the audit log, shown to mentors only (/mod/log/)",
    "community.DigestDelivery": "read-only: the record of digest emails",
    "community.NotificationEmail": "read-only: the record of notification emails",
    "community.Flag": "shown to mentors only (/mod/); its actions hide and restore posts, cases of ACTIONS",
}
# Writes the admin offers on shown models that no case can make, and why.
NO_CASE = {
    ("community.ReviewRequest", "inline messages change"): "the conversation inline is read-only",
    ("roadmap.Section", "action delete_selected"): "a section with topics cannot be deleted (its topics "
    "protect it), and a section without topics is shown on no page",
    ("roadmap.Roadmap", "inline sections add"): "a new section has no topics yet, and a section without "
    "topics is shown on no page",
    ("roadmap.Roadmap", "inline sections delete"): "a section with topics cannot be deleted (its topics "
    "protect it), and a section without topics is shown on no page",
}


def label(model) -> str:
    return model._meta.label


# --- Change forms and delete pages -----------------------------------------------------


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.id)
def test_pages_follow_an_admin_change_form(edit, world, admin_forms, pages_follow):
    target = edit.target(world)
    pages_follow(lambda: admin_forms.change(target, **edit.form(world)), edit.expect(world))


@pytest.mark.parametrize(
    "removal", by_model(REMOVALS, "community.Thread", "community.Comment"), ids=lambda removal: removal.id
)
def test_pages_follow_an_admin_delete_page(removal, world, admin_forms, pages_follow):
    target = removal.target(world)
    pages_follow(lambda: admin_forms.delete(target), removal.expect(world))


# --- Actions ---------------------------------------------------------------------------


@pytest.mark.parametrize("removal", REMOVALS, ids=lambda removal: removal.id)
def test_pages_follow_the_admin_bulk_delete_action(removal, world, admin_forms, pages_follow):
    target = removal.target(world)
    pages_follow(lambda: admin_forms.action(type(target), "delete_selected", [target]), removal.expect(world))


@dataclass(frozen=True)
class Action:
    model: str
    name: str
    target: Callable[[World], object]  # the row selected; it may first put it in the state acted on
    expect: Callable[[World], list[Shows]]

    @property
    def id(self) -> str:
        return f"{self.model} {self.name}"


ROADMAP_PAGES = ("roadmap list", "home", "map", "topic page", "search", "API roadmaps", "API roadmap")
TOPIC_PAGES = ("map", "topic page", "topic panel", "API roadmap", "API topic")


def _unpublished(obj):
    obj.is_published = False
    obj.save()
    return obj


def _flagged_comment(world: World, *, hidden: bool) -> Flag:
    flag = moderation.flag(reporter=world.member, target=world.comment, reason=Flag.Reason.SPAM)
    if hidden:
        Comment.objects.filter(pk=world.comment.pk).update(status=Status.HIDDEN)
    return flag


def _unverified(world: World) -> EmailAddress:
    address = EmailAddress.objects.get(user=world.member)
    address.verified = False
    address.save()
    return address


ACTIONS = [
    Action(
        "roadmap.Roadmap",
        "unpublish",
        target=lambda world: world.roadmap,
        expect=lambda world: [Shows(ROADMAP_PAGES, gone=("Ocelot",))],
    ),
    Action(
        "roadmap.Roadmap",
        "publish",
        target=lambda world: _unpublished(world.roadmap),
        expect=lambda world: [Shows(ROADMAP_PAGES, shown=("Ocelot",))],
    ),
    Action(
        "roadmap.Topic",
        "unpublish",
        target=lambda world: world.topic,
        expect=lambda world: [Shows(TOPIC_PAGES, gone=("Lynx",))],
    ),
    Action(
        "roadmap.Topic",
        "publish",
        target=lambda world: _unpublished(world.topic),
        expect=lambda world: [Shows(TOPIC_PAGES, shown=("Lynx",))],
    ),
    Action(
        "community.Flag",
        "resolve",
        target=lambda world: _flagged_comment(world, hidden=False),
        expect=lambda world: expected("community.Comment status", world),
    ),
    Action(
        "community.Flag",
        "dismiss",
        target=lambda world: _flagged_comment(world, hidden=True),
        expect=lambda world: [Shows(("thread page", "API comments"), shown=("Puffin",))],
    ),
    Action(
        "account.EmailAddress",
        "make_verified",
        target=_unverified,
        expect=lambda world: [
            Shows(
                ("thread page",),
                gone=("Verify your email address to post",),
                shown=("Post reply",),
                viewers=(MEMBER,),
            ),
            Shows(
                ("API thread",),
                gone=('"can_comment":false',),
                shown=('"can_comment":true',),
                viewers=(MEMBER,),
            ),
        ],
    ),
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.id)
def test_pages_follow_an_admin_action(action, world, admin_forms, pages_follow):
    target = action.target(world)
    pages_follow(lambda: admin_forms.action(type(target), action.name, [target]), action.expect(world))


# --- Inlines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineWrite:
    model: str
    prefix: str
    operation: str  # add, change or delete
    parent: Callable[[World], object]
    edit: Callable  # edit(form, world): the row's change in the parent's change form
    expect: Callable[[World], list[Shows]]
    detail: str = ""

    @property
    def id(self) -> str:
        return f"{self.model} {self.prefix} {self.operation}{self.detail}"


def _resource(world: World) -> Resource:
    return Resource.objects.get(topic=world.topic)


RESOURCE_PAGES = ("topic page", "API topic", "API roadmap")


def _option(world: World, text: str) -> QuizOption:
    return QuizOption.objects.get(question__topic=world.topic, text=text)


def _replace_option(form, world: World) -> None:
    """Delete an option, adding another: a question keeps at least three."""
    form.add_row("options", text="Kestrel Tenrec answer", explanation="Also wrong.", position="3")
    form.delete_row("options", _option(world, "Kestrel Potoroo answer"))


def _without_project(world: World):
    Project.objects.filter(section=world.section).delete()
    return world.section


QUIZ_PAGES = ("topic page", "topic panel", "API quiz")
PROJECT_PAGES = ("map", "project page", "API project", "API roadmap")

INLINE_WRITES = [
    InlineWrite(
        "roadmap.QuizQuestion",
        "options",
        "add",
        parent=lambda world: world.topic.quiz_questions.get(),
        edit=lambda form, world: form.add_row(
            "options", text="Kestrel Tenrec answer", explanation="Also wrong.", position="3"
        ),
        expect=lambda world: [Shows(QUIZ_PAGES, shown=("Tenrec",))],
    ),
    InlineWrite(
        "roadmap.QuizQuestion",
        "options",
        "change",
        parent=lambda world: world.topic.quiz_questions.get(),
        edit=lambda form, world: form.change_row(
            "options", _option(world, "Kestrel Bilby answer"), text="Kestrel Tenrec answer"
        ),
        expect=lambda world: [Shows(QUIZ_PAGES, gone=("Bilby",), shown=("Tenrec",))],
    ),
    InlineWrite(
        "roadmap.QuizQuestion",
        "options",
        "delete",
        parent=lambda world: world.topic.quiz_questions.get(),
        edit=lambda form, world: _replace_option(form, world),
        expect=lambda world: [Shows(QUIZ_PAGES, gone=("Potoroo",))],
    ),
    InlineWrite(
        "roadmap.Section",
        "project",
        "add",
        parent=_without_project,
        edit=lambda form, world: form.add_row(
            "project",
            title="Kestrel Kiwi project",
            goal="Build it.",
            requirements="One.\nTwo.\nThree.",
            hand_in="A repository.",
        ),
        expect=lambda world: [Shows(("map", "API roadmap"), shown=("Kiwi",))],
    ),
    InlineWrite(
        "roadmap.Section",
        "project",
        "change",
        parent=lambda world: world.section,
        edit=lambda form, world: form.change_row(
            "project", world.section.project, title="Kestrel Kiwi project"
        ),
        expect=lambda world: [Shows(PROJECT_PAGES, gone=("Wombat",), shown=("Kiwi",))],
    ),
    InlineWrite(
        "roadmap.Section",
        "project",
        "delete",
        parent=lambda world: world.section,
        edit=lambda form, world: form.delete_row("project", world.section.project),
        expect=lambda world: [Shows(("map", "API roadmap"), gone=("Wombat",))],
    ),
    InlineWrite(
        "roadmap.Roadmap",
        "sections",
        "change",
        parent=lambda world: world.roadmap,
        edit=lambda form, world: form.change_row("sections", world.section, title="Kestrel Chamois section"),
        expect=lambda world: expected("roadmap.Section title", world),
    ),
    InlineWrite(
        "roadmap.Topic",
        "resources",
        "add",
        parent=lambda world: world.topic,
        edit=lambda form, world: form.add_row(
            "resources", title="Kestrel Okapi guide", url="https://docs.example.com/okapi", position="2"
        ),
        expect=lambda world: [Shows(RESOURCE_PAGES, shown=("Okapi",))],
    ),
    InlineWrite(
        "roadmap.Topic",
        "resources",
        "change",
        parent=lambda world: world.topic,
        edit=lambda form, world: form.change_row("resources", _resource(world), title="Kestrel Okapi docs"),
        expect=lambda world: [Shows(RESOURCE_PAGES, gone=("Tapir",), shown=("Okapi",))],
    ),
    InlineWrite(
        "roadmap.Topic",
        "resources",
        "delete",
        parent=lambda world: world.topic,
        edit=lambda form, world: form.delete_row("resources", _resource(world)),
        expect=lambda world: [Shows(RESOURCE_PAGES, gone=("Tapir",))],
    ),
    InlineWrite(
        "community.Thread",
        "comments",
        "change",
        parent=lambda world: world.thread,
        edit=lambda form, world: form.change_row(
            "comments", world.comment, body="Kestrel reply about the Gannet."
        ),
        expect=lambda world: expected("community.Comment body", world),
        detail=" body",
    ),
    InlineWrite(
        "community.Thread",
        "comments",
        "change",
        parent=lambda world: world.thread,
        edit=lambda form, world: form.change_row("comments", world.comment, status=Status.HIDDEN),
        expect=lambda world: expected("community.Comment status", world),
        detail=" status",
    ),
]


@pytest.mark.parametrize("inline", INLINE_WRITES, ids=lambda inline: inline.id)
def test_pages_follow_an_admin_inline(inline, world, admin_forms, pages_follow):
    def write():
        form = admin_forms.form(inline.parent(world))
        inline.edit(form, world)
        form.save()

    pages_follow(write, inline.expect(world))


def test_a_comment_body_changed_in_the_thread_inline_is_rendered_as_in_its_own_form(world, admin_forms):
    """Not a cache: the HTML pages show is rendered on save, which CommentAdmin does and the
    thread's comment inline does not, so its edits would never show, cache or none."""
    form = admin_forms.form(world.thread)
    form.change_row("comments", world.comment, body="Kestrel reply about the Gannet.")
    form.save()
    assert "Gannet" in Comment.objects.get(pk=world.comment.pk).body_html


# --- Coverage --------------------------------------------------------------------------


def _admin_writes(model_admin, superuser) -> set[str]:
    """What the admin lets a superuser write for this model: its change form, its actions, and
    add, change or delete on each inline, as far as the inline allows (ThreadAdmin's comments,
    for one, can be changed but neither added nor deleted there)."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    writes = {"change form"} if model_admin.has_change_permission(request) else set()
    writes |= {f"action {name}" for name in model_admin.get_actions(request)}
    for inline in model_admin.get_inline_instances(request):
        prefix = inline.get_formset(request).get_default_prefix()
        writes |= {f"inline {prefix} change"}
        writes |= {f"inline {prefix} add"} if inline.get_max_num(request) != 0 else set()
        writes |= {f"inline {prefix} delete"} if inline.can_delete else set()
    return writes


def _cases() -> set[tuple[str, str]]:
    return (
        {(edit.model, "change form") for edit in EDITS}
        | {(removal.model, "action delete_selected") for removal in REMOVALS}
        | {(action.model, f"action {action.name}") for action in ACTIONS}
        | {(inline.model, f"inline {inline.prefix} {inline.operation}") for inline in INLINE_WRITES}
    )


def _offered(superuser) -> set[tuple[str, str]]:
    """Every admin write to a shown model, and every custom action (which may write shown
    models whatever its own model: a flag's decision hides a post)."""
    offered = set()
    for model, model_admin in admin.site._registry.items():
        for write in _admin_writes(model_admin, superuser):
            is_custom_action = write.startswith("action ") and write != "action delete_selected"
            if label(model) not in NOT_SHOWN or is_custom_action:
                offered.add((label(model), write))
    return offered


def test_every_admin_write_to_a_shown_model_has_a_case(world):
    registered = {label(model) for model in admin.site._registry}
    unjudged = registered - set(NOT_SHOWN) - {model for model, _ in _cases()}
    assert not unjudged, (
        f"registered models with no freshness case (add cases, or judge them in NOT_SHOWN): {unjudged}"
    )
    missing = sorted(_offered(world.admin) - _cases() - set(NO_CASE))
    assert not missing, f"admin writes with no freshness case (add one, or judge it in NO_CASE): {missing}"


def test_the_judgements_name_registered_models_and_writes_the_admin_offers(world):
    registered = {label(model) for model in admin.site._registry}
    assert set(NOT_SHOWN) <= registered, f"not registered: {set(NOT_SHOWN) - registered}"
    offered = _offered(world.admin)
    assert set(NO_CASE) <= offered, f"not offered: {set(NO_CASE) - offered}"
    assert set(NO_CASE).isdisjoint(_cases())
