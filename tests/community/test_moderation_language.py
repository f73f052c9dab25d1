"""A moderation notice is worded in the language of the member it is sent to, not in the
language of the mentor who acted. Django's own catalogues show it without ours: the date of a
suspension names its month in the member's language."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from community import moderation
from community.models import ModerationAction, Notification
from tests.factories import CommentFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


# Months whose abbreviations differ in English and Spanish.
ABBREVIATIONS = {1: ("Jan", "Ene"), 4: ("Apr", "Abr"), 8: ("Aug", "Ago"), 12: ("Dec", "Dic")}


def next_first_of_such_a_month() -> datetime:
    """Noon UTC on the first of the next such month, at most a suspension's length away."""
    now = timezone.now()
    year, month = now.year, now.month
    while True:
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
        if month in ABBREVIATIONS:
            return datetime(year, month, 1, 12, tzinfo=ZoneInfo("UTC"))


def test_a_spanish_member_reads_the_date_of_their_suspension_in_spanish(
    mentor, django_capture_on_commit_callbacks
):
    member = UserFactory(language="es", timezone="UTC")
    until = next_first_of_such_a_month()
    english, spanish = ABBREVIATIONS[until.month]

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        moderation.suspend(moderator=mentor, user=member, until=until, reason="Spam links")

    message = Notification.objects.get(recipient=member).message
    assert f"1 {spanish} {until.year}" in message
    assert english not in message


def test_an_english_member_suspended_by_a_mentor_browsing_in_german_reads_english(
    mentor, django_capture_on_commit_callbacks
):
    member = UserFactory(language="en", timezone="UTC")
    until = next_first_of_such_a_month()
    english, _ = ABBREVIATIONS[until.month]

    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        moderation.suspend(moderator=mentor, user=member, until=until, reason="Spam links")

    message = Notification.objects.get(recipient=member).message
    assert f"until 1 {english} {until.year}, 12:00 (UTC time)" in message


def test_the_automatic_hide_is_logged_in_each_readers_language_and_told_to_the_author(
    django_capture_on_commit_callbacks,
):
    comment = CommentFactory(author=UserFactory(language="de"))
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        for _ in range(moderation.AUTO_HIDE_FLAGS):
            moderation.flag(reporter=UserFactory(), target=comment, reason="spam")

    entry = ModerationAction.objects.get(action=ModerationAction.Action.AUTO_HIDE)
    with translation.override("en"):
        assert entry.reason_text == "Hidden automatically after 3 flags, until a mentor reviews it."
    with translation.override("es"):
        assert entry.reason_text.startswith("Ocultado automáticamente")
    with translation.override("de"):  # the author reads German, whatever the reporters' language
        notice = Notification.objects.get(recipient=comment.author).text
    assert notice.startswith(f"Ein Mentor wird deine Antwort in „{comment.thread.title}“ prüfen.")


# What the admin's flag actions give as their reason: the log's reader and the author read it
# in their own language (here the author reads German).
DECIDED_IN_ADMIN = {
    "resolve": (
        "log-resolved-in-admin",
        "Resolved in the admin: the post is hidden and its flags closed.",
        "Resuelto en el panel de administración: la publicación queda oculta y sus denuncias, cerradas.",
        "Im Admin erledigt: Der Beitrag ist ausgeblendet, seine Meldungen sind geschlossen.",
    ),
    "dismiss": (
        "log-dismissed-in-admin",
        "Dismissed in the admin: the post is kept and its flags closed.",
        "Descartado en el panel de administración: la publicación se mantiene y sus denuncias, cerradas.",
        "Im Admin verworfen: Der Beitrag bleibt, seine Meldungen sind geschlossen.",
    ),
}


@pytest.mark.parametrize("action", DECIDED_IN_ADMIN)
def test_a_decision_in_the_admin_is_logged_and_told_in_each_readers_language(
    client, admin_user, action, django_capture_on_commit_callbacks
):
    code, english, spanish, german = DECIDED_IN_ADMIN[action]
    comment = CommentFactory(author=UserFactory(language="de"))
    flag = moderation.flag(reporter=UserFactory(), target=comment, reason="spam")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:community_flag_changelist"),
            {"action": action, "_selected_action": [flag.pk]},
            headers={"accept-language": "en"},
        )
    assert response.status_code == 302

    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.reason, entry.reason_code) == ("", code)
    with translation.override("en"):
        assert entry.reason_text == english
    with translation.override("es"):
        assert entry.reason_text == spanish
    with translation.override("de"):  # as the author reads it
        assert Notification.objects.get(recipient=comment.author).text.endswith(f"Grund: {german}")


def test_a_notice_to_an_author_reads_in_the_language_they_read_it_in(
    mentor, django_capture_on_commit_callbacks
):
    """Stored as a code with the mentor's reason as typed: an author who switches language
    reads the notice in the new one."""
    thread = ThreadFactory(author=UserFactory(language="es"), title="Índices compuestos")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        moderation.hide(moderator=mentor, target=thread, reason="Duplicado de otro hilo")
    notice = Notification.objects.get(recipient=thread.author)
    assert notice.message == ""
    with translation.override("es"):
        assert (
            notice.text
            == "Un mentor ha ocultado tu hilo «Índices compuestos». Motivo: Duplicado de otro hilo"
        )
    with translation.override("de"):
        assert notice.text == (
            "Ein Mentor hat deinen Thread „Índices compuestos“ ausgeblendet. Grund: Duplicado de otro hilo"
        )
