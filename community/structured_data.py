"""The JSON-LD of a thread page (schema.org), as Google documents it for forums: a QAPage whose
Question has an acceptedAnswer when the thread has a published accepted answer, else a
DiscussionForumPosting. Only what anonymous visitors read goes in (published comments, authors
by the names the page shows); built once per thread version and page of comments
(caches.THREAD_META, with the page's description), in two queries.

A page lists its first JSON_LD_COMMENTS published replies, not all of them: the counts say how
many there are, and the page itself carries every one. Each reply's whole text was repeated in
the head, which made a 200-reply page a fifth heavier for every visitor. Google asks of a
QAPage's answers and a forum posting's comments their text (whole), author and date, and reads
the page for the rest: eight replies are enough to show what the thread is, and the element is
written without spaces (config.seo.json_ld).
"""

from community.models import Comment, Status, Thread
from community.selectors import COMMENTS_PER_PAGE
from config.seo import absolute, json_ld, plain_summary, plain_text

FORMER_MEMBER = "a former member"
JSON_LD_COMMENTS = 8


def _person(user) -> dict:
    if user is None:
        return {"@type": "Person", "name": FORMER_MEMBER}
    return {"@type": "Person", "name": user.public_name, "url": absolute(user.get_absolute_url())}


def _page_url(thread: Thread, page_number: int) -> str:
    return absolute(thread.get_absolute_url() + (f"?page={page_number}" if page_number > 1 else ""))


def _comment(comment: Comment, *, kind: str, url: str) -> dict:
    return {
        "@type": kind,
        "text": plain_text(comment.body_html),
        "datePublished": comment.created_at.replace(microsecond=0).isoformat(),
        "url": f"{url}#c{comment.pk}",
        "author": _person(comment.author),
        "upvoteCount": comment.reaction_count,
    }


def thread_meta(*, thread_id: int, page_number: int, thread: Thread) -> dict:
    """What the page's head says of the thread: its description, and the JSON-LD element
    (none for a hidden thread, whose page is for its author and the mentors alone)."""
    script = ""
    if thread.is_published:
        script = json_ld(thread_json_ld(thread_id=thread_id, page_number=page_number, thread=thread))
    return {"description": plain_summary(thread.body_html), "json_ld": script}


def thread_json_ld(*, thread_id: int, page_number: int, thread: Thread) -> dict:
    """`thread` is the thread page's thread (caches.THREAD_HEAD), with its author and accepted answer."""
    top_level = Comment.objects.filter(thread_id=thread_id, parent=None).exclude(status=Status.HIDDEN)
    start = (page_number - 1) * COMMENTS_PER_PAGE  # the page's comments, as comment_page counts them
    on_page = [
        comment
        for comment in top_level.select_related("author").order_by("created_at", "pk")[
            start : start + COMMENTS_PER_PAGE
        ]
        if comment.status == Status.PUBLISHED
    ][:JSON_LD_COMMENTS]
    url = _page_url(thread, page_number)
    accepted = thread.accepted_comment
    if accepted is not None and accepted.status == Status.PUBLISHED:
        answer_count = top_level.filter(status=Status.PUBLISHED).count() + (accepted.parent_id is not None)
        return {
            "@context": "https://schema.org",
            "@type": "QAPage",
            "mainEntity": {
                "@type": "Question",
                "name": thread.title,
                "text": plain_text(thread.body_html),
                "dateCreated": thread.created_at.isoformat(),
                "author": _person(thread.author),
                "url": url,
                "answerCount": answer_count,
                "upvoteCount": thread.reaction_count,
                "acceptedAnswer": {
                    **_comment(accepted, kind="Answer", url=url),
                    "url": absolute(accepted.get_absolute_url()),  # redirects to its page of the thread
                },
                "suggestedAnswer": [
                    _comment(comment, kind="Answer", url=url)
                    for comment in on_page
                    if comment.pk != accepted.pk
                ],
            },
        }
    return {
        "@context": "https://schema.org",
        "@type": "DiscussionForumPosting",
        "headline": thread.title,
        "text": plain_text(thread.body_html),
        "datePublished": thread.created_at.isoformat(),
        "author": _person(thread.author),
        "url": url,
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": "https://schema.org/CommentAction",
            "userInteractionCount": thread.comment_count,
        },
        "comment": [_comment(comment, kind="Comment", url=url) for comment in on_page],
    }
