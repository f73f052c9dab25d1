"""Sentences the app writes for someone to read later (a review request's steps told to the
learner or a mentor, the reasons the app itself gives in the audit log): stored as a code and
its parameters, and worded when shown, in the language of whoever reads them then. A member
who switches language, or a mentor reading another's log, reads them in their own language.

The parameters are names and titles, as they were when the sentence was written."""

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_lazy

SENTENCES = {
    # Told to a member (Notification.notice).
    "review-claimed": gettext_lazy("%(mentor)s is reviewing your work on “%(title)s”."),
    "review-withdrawn": gettext_lazy("%(learner)s withdrew the review request on “%(title)s”."),
    "review-replied": gettext_lazy("%(learner)s replied on the review request on “%(title)s”."),
    "review-resubmitted": gettext_lazy("%(learner)s resubmitted the review request on “%(title)s”."),
    "review-verified": gettext_lazy("%(mentor)s verified your work on “%(title)s”."),
    "review-needs-work": gettext_lazy("%(mentor)s asked for more work on “%(title)s”."),
    "review-expired": gettext_lazy(
        "No mentor claimed your review request on “%(title)s” within a week. You can ask again."
    ),
    "review-asked": gettext_lazy("%(learner)s asked for a review of “%(title)s”."),
    "review-asked-project": gettext_lazy("%(learner)s asked for a review of the project “%(title)s”."),
    "review-asked-again": gettext_lazy("%(learner)s resubmitted their work on “%(title)s” for review."),
    "review-asked-again-project": gettext_lazy(
        "%(learner)s resubmitted their work on the project “%(title)s” for review."
    ),
    # Told to the author of a post of a moderation act on it (community.moderation): whole
    # sentences per act and kind of post, as each language words them differently. The reason
    # is the moderator's, as typed, or the app's own by its `reason_code` (worded in turn).
    "mod-hid-thread": gettext_lazy("A mentor hid your thread “%(title)s”. Reason: %(reason)s"),
    "mod-hid-reply": gettext_lazy("A mentor hid your reply in “%(title)s”. Reason: %(reason)s"),
    "mod-restored-thread": gettext_lazy("A mentor restored your thread “%(title)s”. Reason: %(reason)s"),
    "mod-restored-reply": gettext_lazy("A mentor restored your reply in “%(title)s”. Reason: %(reason)s"),
    "mod-will-review-thread": gettext_lazy(
        "A mentor will review your thread “%(title)s”. Reason: %(reason)s"
    ),
    "mod-will-review-reply": gettext_lazy(
        "A mentor will review your reply in “%(title)s”. Reason: %(reason)s"
    ),
    "mod-reviewed-reports-thread": gettext_lazy(
        "A mentor reviewed the reports on your thread “%(title)s”. Reason: %(reason)s"
    ),
    "mod-reviewed-reports-reply": gettext_lazy(
        "A mentor reviewed the reports on your reply in “%(title)s”. Reason: %(reason)s"
    ),
    "mod-locked-thread": gettext_lazy("A mentor locked your thread “%(title)s”. Reason: %(reason)s"),
    "mod-moved-thread": gettext_lazy("A mentor moved your thread “%(title)s”. Reason: %(reason)s"),
    # Written by the app into the audit log (ModerationAction.reason_code).
    "log-withdrawn": gettext_lazy("Withdrawn by the learner."),
    "log-claimed": gettext_lazy("Claimed for review."),
    "log-extended": gettext_lazy("Claim extended until %(until)s."),
    "log-released": gettext_lazy("Released back to the queue."),
    "log-claim-ran-out": gettext_lazy("The claim ran out."),
    "log-auto-hidden": gettext_lazy("Hidden automatically after %(count)s flags, until a mentor reviews it."),
    "log-corrected-in-admin": gettext_lazy("Corrected in the admin: %(fields)s."),
    "log-resolved-in-admin": gettext_lazy("Resolved in the admin: the post is hidden and its flags closed."),
    "log-dismissed-in-admin": gettext_lazy("Dismissed in the admin: the post is kept and its flags closed."),
}


def check(code: str) -> str:
    if code not in SENTENCES:
        raise ValueError(f"no stored sentence has the code {code!r}")
    return code


def worded(code: str, params: dict) -> str:
    """The sentence in the active language. A moment (`until`, stored as ISO 8601) is shown in
    the active time zone; a list (`fields`) is joined; a `reason_code` (the app's own reason in
    a sentence with a `reason`) is worded first, from the same parameters."""
    shown = dict(params)
    if shown.get("reason_code") in SENTENCES:
        shown["reason"] = worded(shown.pop("reason_code"), shown)
    if isinstance(shown.get("until"), str) and (moment := parse_datetime(shown["until"])):
        shown["until"] = formats.date_format(timezone.localtime(moment), "j M Y, H:i")
    if isinstance(shown.get("fields"), list):
        shown["fields"] = ", ".join(shown["fields"])
    return gettext(SENTENCES[code]) % shown
