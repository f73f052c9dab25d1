"""The English sentences the app stored before community.notices (a review request's steps in
notifications, its own reasons in the audit log) become codes and parameters, so that each
reader sees them in their language. Reversible: going back writes the English again."""

import re

from django.db import migrations

# (code, the English it was stored as). The parameters are the named groups.
NOTICES = [
    ("review-claimed", r"(?P<mentor>.+) is reviewing your work on “(?P<title>.+)”\."),
    ("review-withdrawn", r"(?P<learner>.+) withdrew the review request on “(?P<title>.+)”\."),
    ("review-replied", r"(?P<learner>.+) replied on the review request on “(?P<title>.+)”\."),
    ("review-resubmitted", r"(?P<learner>.+) resubmitted the review request on “(?P<title>.+)”\."),
    ("review-verified", r"(?P<mentor>.+) verified your work on “(?P<title>.+)”\."),
    ("review-needs-work", r"(?P<mentor>.+) asked for more work on “(?P<title>.+)”\."),
    (
        "review-expired",
        r"No mentor claimed your review request on “(?P<title>.+)” within a week\. You can ask again\.",
    ),
    ("review-asked-project", r"(?P<learner>.+) asked for a review of the project “(?P<title>.+)”\."),
    ("review-asked", r"(?P<learner>.+) asked for a review of “(?P<title>.+)”\."),
    (
        "review-asked-again-project",
        r"(?P<learner>.+) resubmitted their work on the project “(?P<title>.+)” for review\.",
    ),
    ("review-asked-again", r"(?P<learner>.+) resubmitted their work on “(?P<title>.+)” for review\."),
]
REASONS = {
    "log-withdrawn": "Withdrawn by the learner.",
    "log-claimed": "Claimed for review.",
    "log-released": "Released back to the queue.",
    "log-claim-ran-out": "The claim ran out.",
}
AUTO_HIDDEN = re.compile(r"Hidden automatically after (?P<count>\d+) flags, until a mentor reviews it\.")


def english(pattern: str, params: dict) -> str:
    text = re.sub(r"\(\?P<(\w+)>\.\+\)", lambda match: params[match.group(1)], pattern)
    return text.replace("\\.", ".")


def to_codes(apps, schema_editor):
    Notification = apps.get_model("community", "Notification")
    ModerationAction = apps.get_model("community", "ModerationAction")
    for notification in Notification.objects.filter(verb="review", notice="").exclude(message=""):
        for code, pattern in NOTICES:
            if match := re.fullmatch(pattern, notification.message):
                notification.notice, notification.notice_params = code, match.groupdict()
                notification.message = ""
                notification.save(update_fields=["notice", "notice_params", "message"])
                break
    for code, reason in REASONS.items():
        ModerationAction.objects.filter(reason_code="", reason=reason).update(reason_code=code, reason="")
    for entry in ModerationAction.objects.filter(reason_code="", action="auto_hide"):
        if match := AUTO_HIDDEN.fullmatch(entry.reason):
            entry.reason_code, entry.reason = "log-auto-hidden", ""
            entry.details = {**entry.details, "count": int(match.group("count"))}
            entry.save(update_fields=["reason_code", "reason", "details"])


def to_english(apps, schema_editor):
    Notification = apps.get_model("community", "Notification")
    ModerationAction = apps.get_model("community", "ModerationAction")
    patterns = dict(NOTICES)
    for notification in Notification.objects.filter(notice__in=patterns):
        notification.message = english(patterns[notification.notice], notification.notice_params)
        notification.notice, notification.notice_params = "", {}
        notification.save(update_fields=["notice", "notice_params", "message"])
    for code, reason in REASONS.items():
        ModerationAction.objects.filter(reason_code=code).update(reason=reason, reason_code="")
    for entry in ModerationAction.objects.filter(reason_code="log-auto-hidden"):
        count = entry.details.get("count", "")
        entry.reason = f"Hidden automatically after {count} flags, until a mentor reviews it."
        entry.reason_code = ""
        entry.save(update_fields=["reason_code", "reason"])


class Migration(migrations.Migration):
    dependencies = [("community", "0021_notices_stored_as_codes")]

    operations = [migrations.RunPython(to_codes, to_english)]
