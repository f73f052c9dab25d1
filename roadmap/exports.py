"""The roadmap part of a user's account export."""

from roadmap.models import Note, Progress, ProgressEvent, QuizAttempt


def progress_and_notes(user) -> dict:
    return {
        "progress": [
            {
                "roadmap": roadmap,
                "topic": topic,
                "status": status,
                "updated_at": updated.isoformat(),
                "verified_by": verified_by,
                "verified_at": verified_at.isoformat() if verified_at else None,
                "quiz_passed_at": quiz_passed_at.isoformat() if quiz_passed_at else None,
            }
            for roadmap, topic, status, updated, verified_by, verified_at, quiz_passed_at in Progress.objects.filter(
                user=user
            )
            .order_by("topic__roadmap__slug", "topic__position")
            .values_list(
                "topic__roadmap__slug",
                "topic__slug",
                "status",
                "updated_at",
                "verified_by__username",
                "verified_at",
                "quiz_passed_at",
            )
        ],
        "notes": [
            {"roadmap": roadmap, "topic": topic, "body": body, "updated_at": updated.isoformat()}
            for roadmap, topic, body, updated in Note.objects.filter(user=user)
            .order_by("topic__roadmap__slug", "topic__position")
            .values_list("topic__roadmap__slug", "topic__slug", "body", "updated_at")
        ],
        "quiz_attempts": [
            {
                "roadmap": roadmap,
                "topic": topic,
                "score": score,
                "total": total,
                "passed": passed,
                "answers": answers,
                "at": at.isoformat(),
            }
            for roadmap, topic, score, total, passed, answers, at in QuizAttempt.objects.filter(learner=user)
            .order_by("created_at", "pk")
            .values_list(
                "topic__roadmap__slug", "topic__slug", "score", "total", "passed", "answers", "created_at"
            )
        ],
        "progress_history": [
            {"roadmap": roadmap, "topic": topic, "event": kind, "source": source, "at": at.isoformat()}
            for roadmap, topic, kind, source, at in ProgressEvent.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values_list("topic__roadmap__slug", "topic__slug", "kind", "source", "created_at")
        ],
    }
