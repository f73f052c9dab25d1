"""Demo discussions for `seed_demo`: tags, threads on roadmap topics, replies and reactions."""

from datetime import timedelta

from community import services
from community.markdown import render_post
from community.models import Tag, Thread
from roadmap.models import Topic

TAGS = [
    ("http", "HTTP", "Methods, status codes, headers and everything on the wire."),
    ("databases", "Databases", "SQL, PostgreSQL, indexes, transactions and ORMs."),
    ("python", "Python", "The language, its tooling and its web frameworks."),
    ("career", "Career", "Learning paths, first jobs, interviews and growing as a developer."),
    ("devops", "DevOps", "Containers, CI/CD, deployment and operations."),
    ("security", "Security", "Authentication, OWASP, secrets and safe defaults."),
]

THREADS = [
    {
        "topic": "http-status-codes",
        "tags": ["http"],
        "title": "When should an API answer 409 instead of 400?",
        "body": "I am building a small REST API. When someone tries to create a user whose email is already "
        "taken, is that a `400 Bad Request` or a `409 Conflict`? What do you use, and why?",
        "replies": [
            (
                "mentor",
                "Use **409** when the request is well-formed but conflicts with the current state of the "
                "resource, like a duplicate email. Keep 400 for input that is malformed or fails validation. "
                "@ada, RFC 9110 section 15.5.10 describes it.",
            ),
            (
                "admin",
                "And include a machine-readable error code in the body, so clients can tell a duplicate "
                "email from a duplicate username without parsing the message.",
            ),
        ],
        "accept": 0,
    },
    {
        "topic": "database-indexes",
        "tags": ["databases"],
        "title": "Why is my query not using the index I created?",
        "body": "I added an index on `created_at` but `EXPLAIN` still shows a sequential scan for "
        "`WHERE created_at > now() - interval '7 days'`. The table has 2,000 rows. Is something wrong?",
        "replies": [
            (
                "mentor",
                "With 2,000 rows a sequential scan is often cheaper than the index: PostgreSQL picks "
                "the plan with the lowest estimated cost. Try it on a bigger table, and run `ANALYZE` first.",
            ),
        ],
        "accept": None,
    },
    {
        "topic": None,
        "tags": ["career"],
        "title": "How did you structure your first months of learning backend?",
        "body": "I am starting the Backend roadmap this week. Did you go strictly in order, or jump around? "
        "How many hours a week did you manage?",
        "replies": [],
        "accept": None,
    },
]


def seed(*, users, stdout):
    tags = {}
    for slug, name, description in TAGS:
        tags[slug], _ = Tag.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    topics = {topic.slug: topic for topic in Topic.objects.filter(roadmap__slug="backend")}
    learner, mentor = users["learner"], users["mentor"]
    for spec in THREADS:
        if Thread.objects.filter(title=spec["title"]).exists():
            continue
        thread = services.create_thread(
            author=learner,
            title=spec["title"],
            body=spec["body"],
            topic=topics.get(spec["topic"]),
            tags=[tags[slug] for slug in spec["tags"]],
        )
        comments = [
            services.create_comment(thread=thread, author=users[role], body=body)
            for role, body in spec["replies"]
        ]
        if comments:
            services.reaction_set(user=mentor, target=thread, kind="like")
            services.reaction_set(user=learner, target=comments[0], kind="helpful")
        if spec["accept"] is not None:
            services.accept_answer(thread=thread, comment=comments[spec["accept"]], user=learner)
    _flagged_comment(users, stdout)
    stdout.write(f"    {Thread.objects.count()} threads, {Tag.objects.count()} tags")


SPAM = "Great question! Get certified in one weekend at https://cheap-certs.example and https://cheap-certs.example/deal"


def _flagged_comment(users, stdout):
    """A spam reply flagged by the demo learner, for the demo mentor to handle at /mod/."""
    from accounts.models import User
    from community import moderation
    from community.models import Comment, Flag

    if Flag.objects.exists():
        return
    thread = Thread.objects.filter(title=THREADS[2]["title"]).first()
    if thread is None:
        return
    spammer, created = User.objects.get_or_create(
        email="spammer@stepwise.localhost",
        defaults={"username": "quick-certs", "display_name": "Quick Certs"},
    )
    if created:
        spammer.set_unusable_password()
        spammer.date_joined = spammer.date_joined - timedelta(days=10)
        spammer.save()
    comment = Comment.objects.create(
        thread=thread, author=spammer, body=SPAM, body_html=render_post(SPAM).html
    )
    Thread.objects.filter(pk=thread.pk).update(comment_count=thread.comment_count + 1)
    moderation.flag(reporter=users["learner"], target=comment, reason=Flag.Reason.SPAM, note="Advertising")
    stdout.write("    a flagged spam comment is waiting at /mod/ for the mentor")
