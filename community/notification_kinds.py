"""The kinds of notification a member can get by email, each with its setting's default.

A kind is a notification verb. Registering it here gives it a line on the notification
settings page and in the API (at once / in the digest only / off), its default there, the
words its emails use and a one-click unsubscribe of its own. A new kind registers itself with
`register` and is emailed by community.notification_emails with nothing else to add.
"""

from dataclasses import dataclass, replace

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from community.models import EmailPreference, Notification

Mode = EmailPreference.Mode
Verb = Notification.Verb


@dataclass(frozen=True)
class EmailKind:
    """Its words are whole sentences with named placeholders, translated in the recipient's
    language when the email is built: `one` takes %(actor)s and %(about)s (the quoted title,
    or "your account"); `many`, a plural, takes %(count)d and %(about)s."""

    verb: str
    label: Promise  # the setting's name: "Mentions of your @username"
    default: str  # a Mode
    reason: Promise  # the email's footer: "You get this email because …"
    # The line naming one notification ("%(actor)s replied in %(about)s"); empty when the
    # notification's own message is the whole line (a review's step names who did what).
    one: Promise | str
    many: Promise  # the subject of a gathered email: "%(count)d new replies in %(about)s"


_kinds: dict[str, EmailKind] = {}


def register(kind: EmailKind) -> None:
    verb = str(kind.verb)  # a plain string, also when given as a TextChoices member
    _kinds[verb] = replace(kind, verb=verb)


def kinds() -> list[EmailKind]:
    return list(_kinds.values())


def get(verb: str) -> EmailKind | None:
    return _kinds.get(verb)


def modes_for(stored: dict[str, str]) -> dict[str, str]:
    """Every kind's mode for a member, from the rows they stored (kind -> mode) and the defaults."""
    return {kind.verb: stored.get(kind.verb, kind.default) for kind in _kinds.values()}


def preferences_of(user_ids) -> dict[int, dict[str, str]]:
    """The stored modes (kind -> mode) of these members, in one query."""
    stored: dict[int, dict[str, str]] = {}
    rows = EmailPreference.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "kind", "mode")
    for user_id, kind, mode in rows:
        stored.setdefault(user_id, {})[kind] = mode
    return stored


def mode(stored: dict[str, str], verb: str) -> str:
    """The mode of one kind for a member with these stored rows; OFF for a verb no kind emails."""
    kind = _kinds.get(verb)
    if kind is None:
        return Mode.OFF
    return stored.get(verb, kind.default)


register(
    EmailKind(
        verb=Verb.REPLY,
        label=_("Replies to your threads and comments, and in threads you watch"),
        default=Mode.NOW,
        reason=_("You get this email because someone replied to your post or in a thread you watch."),
        one=_("%(actor)s replied in %(about)s"),
        many=ngettext_lazy("%(count)d new reply in %(about)s", "%(count)d new replies in %(about)s", "count"),
    )
)
register(
    EmailKind(
        verb=Verb.MENTION,
        label=_("Mentions of your @username"),
        default=Mode.NOW,
        reason=_("You get this email because someone mentioned your @username."),
        one=_("%(actor)s mentioned you in %(about)s"),
        many=ngettext_lazy(
            "%(count)d new mention in %(about)s", "%(count)d new mentions in %(about)s", "count"
        ),
    )
)
register(
    EmailKind(
        verb=Verb.ANSWER_ACCEPTED,
        label=_("Your answer accepted"),
        default=Mode.NOW,
        reason=_("You get this email because your answer was accepted."),
        one=_("%(actor)s accepted your answer in %(about)s"),
        many=ngettext_lazy(
            "%(count)d answer accepted in %(about)s", "%(count)d answers accepted in %(about)s", "count"
        ),
    )
)
register(
    EmailKind(
        verb=Verb.MODERATION,
        label=_("Notices from the mentors about your posts or account"),
        default=Mode.NOW,
        reason=_("You get this email because a mentor acted on your post or account."),
        one=_("%(actor)s sent you a moderation notice about %(about)s"),
        many=ngettext_lazy(
            "%(count)d moderation notice about %(about)s",
            "%(count)d moderation notices about %(about)s",
            "count",
        ),
    )
)
register(
    EmailKind(
        verb=Verb.NEW_THREAD,
        label=_("New threads in tags, topics and sections you asked to hear about"),
        default=Mode.NOW,
        reason=_(
            "You get this email because you asked to hear about new threads in one of its tags, its topic "
            "or its section."
        ),
        one=_("%(actor)s started %(about)s"),
        many=ngettext_lazy("%(count)d new thread: %(about)s", "%(count)d new threads: %(about)s", "count"),
    )
)
register(
    EmailKind(
        verb=Verb.REVIEW,
        label=_(
            "Review requests: a mentor claims or answers yours; a learner replies to one you hold or asks in "
            "a section you watch"
        ),
        default=Mode.NOW,
        reason=_(
            "You get this email because there is news of a review request you asked for or hold, or a new "
            "one waits in a section you watch."
        ),
        one="",
        many=ngettext_lazy(
            "%(count)d update on the review of %(about)s",
            "%(count)d updates on the review of %(about)s",
            "count",
        ),
    )
)
