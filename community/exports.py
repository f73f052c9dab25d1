"""The community's part of the account export and of the public profile."""

from community.models import (
    Bookmark,
    Comment,
    EmailPreference,
    Follow,
    NotificationEmail,
    Reaction,
    ReviewRequest,
    Status,
    Thread,
    ThreadMute,
)


def community_data(user) -> dict:
    return {
        "threads": [
            {
                "id": thread.pk,
                "title": thread.title,
                "body": thread.body,
                "status": thread.status,
                "topic": thread.topic.slug if thread.topic else None,
                "tags": [tag.slug for tag in thread.tags.all()],
                "created_at": thread.created_at.isoformat(),
                "edited_at": thread.edited_at.isoformat() if thread.edited_at else None,
            }
            for thread in Thread.objects.filter(author=user)
            .select_related("topic")
            .prefetch_related("tags")
            .order_by("created_at")
        ],
        "comments": [
            {
                "id": comment["pk"],
                "thread": comment["thread_id"],
                "body": comment["body"],
                "status": comment["status"],
                "created_at": comment["created_at"].isoformat(),
            }
            for comment in Comment.objects.filter(author=user)
            .order_by("created_at")
            .values("pk", "thread_id", "body", "status", "created_at")
        ],
        "reactions": [
            {"kind": kind, "thread": thread_id, "comment": comment_id, "created_at": created.isoformat()}
            for kind, thread_id, comment_id, created in Reaction.objects.filter(user=user)
            .order_by("created_at")
            .values_list("kind", "thread_id", "comment_id", "created_at")
        ],
        "follows": [
            {"thread": thread_id, "tag": tag_slug, "topic": topic_slug, "notify_new_threads": notify}
            for thread_id, tag_slug, topic_slug, notify in Follow.objects.filter(user=user)
            .order_by("created_at")
            .values_list("thread_id", "tag__slug", "topic__slug", "notify_new_threads")
        ],
        "muted_threads": list(
            ThreadMute.objects.filter(user=user).order_by("created_at").values_list("thread_id", flat=True)
        ),
        "bookmarks": list(
            Bookmark.objects.filter(user=user).order_by("created_at").values_list("thread_id", flat=True)
        ),
        "review_requests": [
            {
                "roadmap": review.roadmap.slug,
                "topic": review.topic.slug if review.topic_id else None,
                "project": review.project.title if review.project_id else None,
                "state": review.state,
                "links": review.links,
                "explanation": review.explanation,
                "shares_note": review.shares_note,
                "created_at": review.created_at.isoformat(),
                "conversation": [
                    {
                        "kind": message.kind,
                        "by_me": message.author_id == user.pk,
                        "body": message.body,
                        "created_at": message.created_at.isoformat(),
                    }
                    for message in review.messages.all()
                ],
            }
            for review in ReviewRequest.objects.filter(learner=user)
            .select_related("topic__roadmap", "project__section__roadmap")
            .prefetch_related("messages")
            .order_by("created_at", "pk")
        ],
        "email_settings": dict(EmailPreference.objects.filter(user=user).values_list("kind", "mode")),
        "notification_emails": [
            {
                "kind": row["kind"],
                "thread": row["thread_id"],
                "status": row["status"],
                "subject": row["subject"],
                "claimed_at": row["claimed_at"].isoformat(),
                "sent_at": row["sent_at"].isoformat() if row["sent_at"] else None,
            }
            for row in NotificationEmail.objects.filter(recipient=user)
            .order_by("claimed_at")
            .values("kind", "thread_id", "status", "subject", "claimed_at", "sent_at")
        ],
    }


def profile_posts_section(*, profile_user, viewer) -> dict:
    threads = list(Thread.objects.published().filter(author=profile_user).order_by("-created_at")[:10])
    answers = list(
        Thread.objects.published()
        .filter(accepted_comment__author=profile_user, accepted_comment__status=Status.PUBLISHED)
        .order_by("-created_at")[:10]
    )
    return {"template": "community/components/profile_posts.html", "threads": threads, "answers": answers}
