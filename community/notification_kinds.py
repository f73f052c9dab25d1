"""The kinds of notification a member can get by email, each with its setting's default.

A kind is a notification verb. Registering it here gives it a line on the notification
settings page and in the API (at once / in the digest only / off), its default there, the
words its emails use and a one-click unsubscribe of its own. A new kind registers itself with
`register` and is emailed by community.notification_emails with nothing else to add.
"""

from dataclasses import dataclass, replace

from community.models import EmailPreference, Notification

Mode = EmailPreference.Mode
Verb = Notification.Verb


@dataclass(frozen=True)
class EmailKind:
    verb: str
    label: str  # the setting's name: "Replies to your posts and threads you watch"
    default: str  # a Mode
    reason: str  # ends "You get this email because …"
    # What one notification says after the actor's name ("replied in"); empty when the
    # notification's own message is the whole line (a review's step names who did what).
    one: str
    many: str  # the subject of a gathered email, after the count: "new replies in"


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
        label="Replies to your threads and comments, and in threads you watch",
        default=Mode.NOW,
        reason="someone replied to your post or in a thread you watch",
        one="replied in",
        many="new replies in",
    )
)
register(
    EmailKind(
        verb=Verb.MENTION,
        label="Mentions of your @username",
        default=Mode.NOW,
        reason="someone mentioned your @username",
        one="mentioned you in",
        many="new mentions in",
    )
)
register(
    EmailKind(
        verb=Verb.ANSWER_ACCEPTED,
        label="Your answer accepted",
        default=Mode.NOW,
        reason="your answer was accepted",
        one="accepted your answer in",
        many="answers accepted in",
    )
)
register(
    EmailKind(
        verb=Verb.MODERATION,
        label="Notices from the mentors about your posts or account",
        default=Mode.NOW,
        reason="a mentor acted on your post or account",
        one="sent you a moderation notice about",
        many="moderation notices about",
    )
)
register(
    EmailKind(
        verb=Verb.NEW_THREAD,
        label="New threads in tags, topics and sections you asked to hear about",
        default=Mode.NOW,
        reason="you asked to hear about new threads in one of its tags, its topic or its section",
        one="started",
        many="new threads:",
    )
)
register(
    EmailKind(
        verb=Verb.REVIEW,
        label="Review requests: a mentor claims or answers yours; a learner replies to one you hold or asks in a section you watch",
        default=Mode.NOW,
        reason="there is news of a review request you asked for or hold, or a new one waits in a section you watch",
        one="",
        many="updates on the review of",
    )
)
