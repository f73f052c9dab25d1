"""Mentorship: a learner asks a mentor to review their work on a topic they marked done; a
mentor claims the request, answers "verified" or "needs work" with feedback; the learner
replies and resubmits. Verifying records who and when on the learner's Progress row.

Every act is written to the moderation audit log (ModerationAction) and the person it concerns
is told through the outbox. Functions raise PermissionDenied or ValidationError (Conflict for
a request whose state forbids the act) and know nothing about HTTP, so pages and the API share
them. Rules come from community.permissions.
"""

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from community import notices, outbox, permissions
from community.models import MentorSection, ModerationAction, OutboxEvent, ReviewMessage, ReviewRequest
from config.caching import touch
from config.errors import Conflict
from roadmap.models import Progress, Project, Topic

State = ReviewRequest.State
Action = ModerationAction.Action
Kind = ReviewMessage.Kind


def claim_length() -> timedelta:
    return timedelta(hours=settings.MENTOR_CLAIM_HOURS)


# --- Input ------------------------------------------------------------------------------

_https = URLValidator(schemes=["https"])


def clean_links(links) -> list[str]:
    """The links as given, blanks dropped and repeats once: each https, at most 2,000
    characters, at most five."""
    links = list(dict.fromkeys(link.strip() for link in links if link and link.strip()))
    if len(links) > ReviewRequest.LINKS_MAX:
        raise ValidationError(
            {
                "links": _("Give at most %(limit)s links; you gave %(count)s.")
                % {"limit": ReviewRequest.LINKS_MAX, "count": len(links)}
            }
        )
    for link in links:
        if len(link) > ReviewRequest.LINK_MAX_LENGTH:
            raise ValidationError(
                {
                    "links": _("Keep each link to at most %(limit)s characters (one has %(length)s).")
                    % {"limit": f"{ReviewRequest.LINK_MAX_LENGTH:,}", "length": f"{len(link):,}"}
                }
            )
        try:
            _https(link)
        except ValidationError:
            shown = link if len(link) <= 80 else link[:79] + "…"
            raise ValidationError(
                {"links": _("“%(link)s” is not an https link: links start with https://.") % {"link": shown}}
            ) from None
    return links


def _clean_text(text: str, *, field: str, required: str, limit: int) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("Keep it to at most %(limit)s characters (it has %(length)s).")
                % {"limit": f"{limit:,}", "length": f"{len(text):,}"}
            }
        )
    return text


def _until(moment: datetime, user) -> str:
    """A time as `user` reads it: "12 Dec 2026, 08:47 (Europe/Berlin time)"."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, AttributeError):
        zone = zoneinfo.ZoneInfo("UTC")
    return _("%(moment)s (%(zone)s time)") % {
        "moment": date_format(moment.astimezone(zone), "j M Y, H:i"),
        "zone": zone.key,
    }


def _refuse_inactive(review: ReviewRequest) -> None:
    if review.state == State.WITHDRAWN:
        raise Conflict(_("This request was withdrawn by the learner."))
    if review.state == State.EXPIRED:
        raise Conflict(_("This request expired: no mentor claimed it within a week."))
    if review.state == State.CLOSED:
        raise Conflict(_("This request was closed: the learner set the topic back from done."))
    if review.state == State.VERIFIED:
        raise Conflict(_("This request is already verified."))


def _locked(review: ReviewRequest) -> ReviewRequest:
    return (
        ReviewRequest.objects.select_for_update(of=("self",))
        .select_related("learner", "topic", "project")
        .get(pk=review.pk)
    )


# --- The log and the people told ---------------------------------------------------------


def _log(*, actor, action: str, review: ReviewRequest, reason: str = "", code: str = "", **params):
    """One line of the audit log: the mentor's `reason` (their feedback), or the app's own
    sentence by `code` (community.notices), worded in the reader's language."""
    subject = {"project": review.subject_title} if review.is_project else {"topic": review.subject_title}
    return ModerationAction.objects.create(
        moderator=actor,
        action=action,
        review=review,
        target_user=review.learner,
        reason=reason[: ModerationAction._meta.get_field("reason").max_length],
        reason_code=notices.check(code) if code else "",
        details={**subject, **params},
    )


def _tell(*, recipient_id, actor, review: ReviewRequest, event_key: str, notice: str, **params) -> None:
    """Tell a member of a step, by the `notice` code of its sentence: they read it in their
    language, whenever they read it."""
    if recipient_id is None or (actor is not None and recipient_id == actor.pk):
        return
    outbox.record(
        OutboxEvent.Kind.REVIEW_NOTICE,
        recipient_id=recipient_id,
        actor_id=actor.pk if actor else None,
        review_id=review.pk,
        event_key=event_key,
        notice=notices.check(notice),
        notice_params={"title": review.subject_title, **params},
    )


def _tell_section_watchers(*, review: ReviewRequest, submission: ReviewMessage) -> None:
    """A request now waits on the desk for any mentor: those watching its section are told.
    The outbox finds them when it drains, so the request does no work per mentor."""
    notice = "review-asked-again" if submission.kind == Kind.RESUBMITTED else "review-asked"
    if review.is_project:
        notice += "-project"
    outbox.record(
        OutboxEvent.Kind.REVIEW_REQUESTED,
        review_id=review.pk,
        actor_id=review.learner_id,
        event_key=f"review-submitted:{submission.pk}",
        notice=notices.check(notice),
        notice_params={"learner": review.learner.public_name, "title": review.subject_title},
    )


def _save(review: ReviewRequest, *fields: str) -> None:
    """Write a step's fields (and updated_at) only: the explanation is not rendered again."""
    review.save(update_fields=[*fields, "updated_at"])


def _message(review, *, author, kind, body="") -> ReviewMessage:
    return ReviewMessage.objects.create(request=review, author=author, kind=kind, body=body)


# --- The learner --------------------------------------------------------------------------


def request_review(
    *, learner, topic: Topic, links=(), explanation: str = "", shares_note: bool = False
) -> ReviewRequest:
    """Ask for a review of a done topic, with links to the work and/or an explanation."""
    account_selectors.refresh_standing(learner)
    if not permissions.can_request_review(learner):
        raise PermissionDenied(permissions.posting_block(learner) or _("You cannot ask for a review."))
    links = clean_links(links)
    explanation = _clean_text(
        explanation, field="explanation", required="", limit=ReviewRequest.EXPLANATION_MAX
    )
    if not links and not explanation:
        raise ValidationError(
            {"explanation": _("Give a link to your work or explain it in words (or both).")}
        )
    with transaction.atomic():
        progress = Progress.objects.select_for_update().filter(user=learner, topic=topic).first()
        if progress is None or progress.status != Progress.Status.DONE:
            raise Conflict(_("Mark the topic done first: a review looks at work on a topic you finished."))
        if progress.is_verified:
            raise Conflict(_("A mentor already verified this topic."))
        try:
            with transaction.atomic():
                review = ReviewRequest.objects.create(
                    learner=learner,
                    topic=topic,
                    links=links,
                    explanation=explanation,
                    shares_note=shares_note,
                )
        except IntegrityError:
            raise Conflict(_("You already have a review request open on this topic.")) from None
        submission = _message(review, author=learner, kind=Kind.SUBMITTED)
        _tell_section_watchers(review=review, submission=submission)
    return review


def request_project_review(
    *, learner, project: Project, repository: str, explanation: str = ""
) -> ReviewRequest:
    """Hand in a section's project: a link to its repository (https), and a few words if the
    learner likes. A mentor reviews it like a topic's work; verified, it shows on the profile."""
    account_selectors.refresh_standing(learner)
    if not permissions.can_request_review(learner):
        raise PermissionDenied(permissions.posting_block(learner) or _("You cannot hand in work for review."))
    repository = (repository or "").strip()
    if not repository:
        raise ValidationError({"repository": _("Give the https link to your project's repository.")})
    try:
        (repository,) = clean_links([repository])
    except ValidationError as error:
        raise ValidationError({"repository": error.message_dict["links"]}) from None
    explanation = _clean_text(
        explanation, field="explanation", required="", limit=ReviewRequest.EXPLANATION_MAX
    )
    with transaction.atomic():
        if ReviewRequest.objects.filter(learner=learner, project=project, state=State.VERIFIED).exists():
            raise Conflict(_("A mentor already verified your work on this project."))
        try:
            with transaction.atomic():
                review = ReviewRequest.objects.create(
                    learner=learner, project=project, links=[repository], explanation=explanation
                )
        except IntegrityError:
            raise Conflict(
                _("You already handed this project in: its review request is still open.")
            ) from None
        submission = _message(review, author=learner, kind=Kind.SUBMITTED)
        _tell_section_watchers(review=review, submission=submission)
    return review


@transaction.atomic
def withdraw(*, learner, review: ReviewRequest) -> ReviewRequest:
    review = _locked(review)
    if not permissions.can_withdraw_review(learner, review):
        raise PermissionDenied(_("Only the learner who asked can withdraw a review request."))
    _refuse_inactive(review)
    # The mentor who holds it, or who asked for more work and waits for the answer, is told.
    if review.state == State.NEEDS_WORK:
        holder_id = review.decided_by_id
    else:
        holder_id = review.claimed_by_id if review.claim_holds() else None
    review.state = State.WITHDRAWN
    review.claim_expires_at = None
    _save(review, "state", "claim_expires_at")
    action = _log(actor=learner, action=Action.REVIEW_WITHDRAW, review=review, code="log-withdrawn")
    _tell(
        recipient_id=holder_id,
        actor=learner,
        review=review,
        event_key=f"review-action:{action.pk}",
        notice="review-withdrawn",
        learner=learner.public_name,
    )
    return review


@transaction.atomic
def reply(*, author, review: ReviewRequest, body: str, resubmit: bool = False) -> ReviewMessage:
    """The learner answers the mentor's feedback; with `resubmit` a request that needs work
    goes back to its mentor (claimed for them afresh) or, without one, to the queue."""
    account_selectors.refresh_standing(author)
    review = _locked(review)
    if not permissions.can_reply_review(author, review):
        raise PermissionDenied(_("Only the learner who asked can reply here."))
    body = _clean_text(body, field="body", required=_("Write your reply."), limit=ReviewMessage.BODY_MAX)
    _refuse_inactive(review)
    now = timezone.now()
    if resubmit:
        if review.state != State.NEEDS_WORK:
            raise Conflict(_("Only a request a mentor sent back for more work can be resubmitted."))
        mentor = review.claimed_by
        if mentor is not None and permissions.is_moderator(mentor):
            review.state = State.CLAIMED
            review.claim_expires_at = now + claim_length()
        else:
            review.state = State.OPEN
            review.claimed_by = None
            review.queued_at = now
        review.submitted_at = now
        _save(review, "state", "claimed_by", "claim_expires_at", "queued_at", "submitted_at")
    else:
        _save(review)
    message = _message(review, author=author, kind=Kind.RESUBMITTED if resubmit else Kind.REPLY, body=body)
    if resubmit and review.state == State.OPEN:
        _tell_section_watchers(review=review, submission=message)
    _tell(
        recipient_id=review.claimed_by_id,
        actor=author,
        review=review,
        event_key=f"review-message:{message.pk}",
        notice="review-resubmitted" if resubmit else "review-replied",
        learner=author.public_name,
    )
    return message


def close_undone(*, user, topic_ids: list[int]) -> int:
    """The learner set these topics back from done (roadmap.hooks.progress_undone): their
    active requests close."""
    with transaction.atomic():
        # Locked, then closed only if still active: a mentor's decision or a withdrawal that
        # committed while this waited for the rows stands.
        rows = ReviewRequest.objects.active().filter(learner=user, topic_id__in=topic_ids)
        ids = list(rows.select_for_update().values_list("pk", flat=True))
        if ids:
            ReviewRequest.objects.active().filter(pk__in=ids).update(
                state=State.CLOSED, claim_expires_at=None, updated_at=timezone.now()
            )
            touch(ReviewRequest, *ids)
    return len(ids)


# --- The mentor ---------------------------------------------------------------------------


def _require_reviewer(mentor, review: ReviewRequest) -> None:
    account_selectors.refresh_standing(mentor, permissions=True)
    if not permissions.can_review(mentor, review):
        if review.learner_id == getattr(mentor, "pk", None):
            raise PermissionDenied(_("You cannot review your own request."))
        raise PermissionDenied(_("Only mentors can review requests."))


def _refuse_held_by_another(review: ReviewRequest, mentor, now) -> None:
    if review.claim_holds(now) and review.claimed_by_id != mentor.pk:
        until = _until(review.claim_expires_at, mentor)
        if review.claimed_by:
            raise Conflict(
                _("%(name)s holds this request until %(until)s.")
                % {"name": review.claimed_by.public_name, "until": until}
            )
        raise Conflict(_("Another mentor holds this request until %(until)s.") % {"until": until})


@transaction.atomic
def claim(*, mentor, review: ReviewRequest) -> ReviewRequest:
    """Take a request off the queue for CLAIM_HOURS; of two mentors claiming at once, the row
    lock lets one through and shows the other who holds it."""
    _require_reviewer(mentor, review)
    review = _locked(review)
    _refuse_inactive(review)
    now = timezone.now()
    if review.state == State.NEEDS_WORK:
        raise Conflict(_("This request waits for the learner's answer to the feedback."))
    _refuse_held_by_another(review, mentor, now)
    if review.claim_holds(now):
        raise Conflict(
            _("You hold this request already, until %(until)s; extend it to keep it longer.")
            % {"until": _until(review.claim_expires_at, mentor)}
        )
    review.state = State.CLAIMED
    review.claimed_by = mentor
    review.claim_expires_at = now + claim_length()
    review.first_response_at = review.first_response_at or now
    _save(review, "state", "claimed_by", "claim_expires_at", "first_response_at")
    action = _log(actor=mentor, action=Action.REVIEW_CLAIM, review=review, code="log-claimed")
    _tell(
        recipient_id=review.learner_id,
        actor=mentor,
        review=review,
        event_key=f"review-action:{action.pk}",
        notice="review-claimed",
        mentor=mentor.public_name,
    )
    return review


def _require_holder(mentor, review: ReviewRequest, now) -> None:
    _refuse_inactive(review)
    _refuse_held_by_another(review, mentor, now)
    if review.state != State.CLAIMED or review.claimed_by_id != mentor.pk:
        raise Conflict(_("Claim this request first."))
    if not review.claim_holds(now):
        raise Conflict(
            _("Your claim ran out at %(until)s; claim the request again.")
            % {"until": _until(review.claim_expires_at, mentor)}
        )


@transaction.atomic
def extend(*, mentor, review: ReviewRequest) -> ReviewRequest:
    """Hold the claim CLAIM_HOURS longer (at most twice that from now)."""
    _require_reviewer(mentor, review)
    review = _locked(review)
    now = timezone.now()
    _require_holder(mentor, review, now)
    review.claim_expires_at = min(review.claim_expires_at + claim_length(), now + 2 * claim_length())
    _save(review, "claim_expires_at")
    _log(
        actor=mentor,
        action=Action.REVIEW_EXTEND,
        review=review,
        code="log-extended",
        until=review.claim_expires_at.isoformat(),
    )
    return review


@transaction.atomic
def release(*, mentor, review: ReviewRequest) -> ReviewRequest:
    _require_reviewer(mentor, review)
    review = _locked(review)
    _require_holder(mentor, review, timezone.now())
    review.state = State.OPEN
    review.claimed_by = None
    review.claim_expires_at = None
    review.queued_at = timezone.now()
    _save(review, "state", "claimed_by", "claim_expires_at", "queued_at")
    _log(actor=mentor, action=Action.REVIEW_RELEASE, review=review, code="log-released")
    return review


VERDICTS = {"verified": State.VERIFIED, "needs_work": State.NEEDS_WORK}


@transaction.atomic
def decide(*, mentor, review: ReviewRequest, verdict: str, feedback: str) -> ReviewRequest:
    """Answer a claimed request: "verified" ticks the learner's topic, "needs work" sends it
    back to them; either way with Markdown feedback."""
    if verdict not in VERDICTS:
        raise ValidationError({"verdict": _("Choose “verified” or “needs work”.")})
    _require_reviewer(mentor, review)
    feedback = _clean_text(
        feedback,
        field="feedback",
        required=_("Write your feedback: the learner reads it with your decision."),
        limit=ReviewMessage.BODY_MAX,
    )
    review = _locked(review)
    now = timezone.now()
    _require_holder(mentor, review, now)
    if verdict == "verified" and not review.is_project:
        progress = (
            Progress.objects.select_for_update().filter(user=review.learner, topic=review.topic).first()
        )
        if progress is None or progress.status != Progress.Status.DONE:
            raise Conflict(_("The learner no longer marks this topic done."))
        progress.verified_by = mentor
        progress.verified_at = now
        progress.save(update_fields=["verified_by", "verified_at"])
    review.state = VERDICTS[verdict]
    review.decided_by = mentor
    review.decided_at = now
    review.claim_expires_at = None
    _save(review, "state", "decided_by", "decided_at", "claim_expires_at")
    _message(
        review, author=mentor, kind=Kind.VERIFIED if verdict == "verified" else Kind.NEEDS_WORK, body=feedback
    )
    action = _log(
        actor=mentor,
        action=Action.REVIEW_VERIFY if verdict == "verified" else Action.REVIEW_NEEDS_WORK,
        review=review,
        reason=feedback,
    )
    _tell(
        recipient_id=review.learner_id,
        actor=mentor,
        review=review,
        event_key=f"review-action:{action.pk}",
        notice="review-verified" if verdict == "verified" else "review-needs-work",
        mentor=mentor.public_name,
    )
    return review


# --- The clock ----------------------------------------------------------------------------


def expire(*, now: datetime | None = None) -> tuple[int, int]:
    """Run by beat: claims past their time go back to the queue (logged, with no moderator);
    requests waiting unclaimed for REVIEW_UNCLAIMED_DAYS expire, and their learner is told.
    Safe to run twice: each row is changed under its lock, once. Returns (released, expired)."""
    now = now or timezone.now()
    released = expired = 0
    ran_out = ReviewRequest.objects.filter(state=State.CLAIMED, claim_expires_at__lte=now)
    for pk in ran_out.values_list("pk", flat=True):
        with transaction.atomic():
            review = (
                ReviewRequest.objects.select_for_update(of=("self",))
                .select_related("learner", "topic", "project")
                .get(pk=pk)
            )
            if review.state != State.CLAIMED or review.claim_holds(now):
                continue
            review.state = State.OPEN
            review.claimed_by = None
            review.claim_expires_at = None
            review.queued_at = now
            _save(review, "state", "claimed_by", "claim_expires_at", "queued_at")
            _log(actor=None, action=Action.REVIEW_RELEASE, review=review, code="log-claim-ran-out")
            released += 1
    cutoff = now - timedelta(days=settings.REVIEW_UNCLAIMED_DAYS)
    stale = ReviewRequest.objects.filter(state=State.OPEN, queued_at__lte=cutoff)
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            review = (
                ReviewRequest.objects.select_for_update(of=("self",))
                .select_related("learner", "topic", "project")
                .get(pk=pk)
            )
            if review.state != State.OPEN or review.queued_at > cutoff:
                continue
            review.state = State.EXPIRED
            _save(review, "state")
            _tell(
                recipient_id=review.learner_id,
                actor=None,
                review=review,
                event_key=f"review-expired:{review.pk}",
                notice="review-expired",
            )
            expired += 1
    return released, expired


# --- Mentor sections ----------------------------------------------------------------------


@transaction.atomic
def set_mentor_sections(*, mentor, section_ids, watched_ids=()) -> None:
    """The sections a mentor covers, and those of them they watch (told at once of each review
    request and new thread there), replacing their earlier choice."""
    account_selectors.refresh_standing(mentor, permissions=True)
    if not permissions.is_moderator(mentor):
        raise PermissionDenied(_("Only mentors choose sections to cover."))
    wanted, watched = set(section_ids), set(watched_ids)
    if not watched <= wanted:
        raise ValidationError(
            {"watching": _("Watch only sections you cover: choose the section itself too.")}
        )
    MentorSection.objects.filter(mentor=mentor).exclude(section_id__in=wanted).delete()
    MentorSection.objects.bulk_create(
        [MentorSection(mentor=mentor, section_id=pk, watching=pk in watched) for pk in sorted(wanted)],
        update_conflicts=True,
        unique_fields=["mentor", "section"],
        update_fields=["watching"],
    )
    touch(MentorSection(mentor=mentor))  # the upsert sends no signal; their profile lists the sections
