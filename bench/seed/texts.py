"""What the posts and topics say: titles, paragraphs, code snippets, and the rendered pool."""

import random
from dataclasses import dataclass

from community.markdown import render_post

# --- What the posts say ----------------------------------------------------------------------

SUBJECTS = [
    "database indexes", "composite indexes", "N+1 queries", "SQL joins", "PostgreSQL transactions",
    "isolation levels", "database migrations", "connection pooling", "read replicas", "query plans",
    "Redis caching", "cache invalidation", "HTTP caching headers", "CDNs", "REST pagination",
    "API versioning", "idempotency keys", "rate limiting", "JWT authentication", "session cookies",
    "OAuth 2 flows", "password hashing", "CSRF protection", "CORS errors", "TLS certificates",
    "DNS records", "load balancing", "nginx as a reverse proxy", "gunicorn workers", "async views",
    "WebSockets", "message queues", "Celery retries", "background jobs", "cron jobs",
    "Docker volumes", "Docker Compose", "Kubernetes deployments", "CI pipelines", "blue-green deploys",
    "environment variables", "secrets management", "structured logging", "distributed tracing",
    "metrics and alerts", "unit tests with pytest", "integration tests", "test fixtures", "mocking",
    "Git rebase", "code review", "type hints", "Python packaging", "virtual environments",
    "GraphQL resolvers", "gRPC", "event sourcing", "optimistic locking", "database sharding",
    "full-text search",
]  # fmt: skip

TITLES = [
    "How do I get started with {subject}?",
    "What is the best way to learn {subject}?",
    "Why is {subject} so slow in my project?",
    "Struggling to understand {subject}",
    "Good resources for {subject}?",
    "Is it worth learning {subject} before my first job?",
    "Common mistakes with {subject}",
    "Can someone explain {subject} in simple terms?",
    "My notes on {subject} (feedback welcome)",
    "How do you test {subject}?",
    "Debugging {subject} in production",
    "{Subject}: what finally made it click for me",
    "{Subject} vs {other}: which one first?",
    "When do {subject} start to matter?",
    "Stuck on {subject} for two days",
    "Real-world examples of {subject}?",
    "Interview question about {subject}",
    "Best practices for {subject} in a small team",
    "How much {subject} does a junior backend developer need?",
    "Weekly study log: {subject}",
]

PARAGRAPHS = [
    "I have been following the roadmap for a few weeks now and most of it makes sense, but this part "
    "keeps tripping me up. The docs explain *what* it does, not *when* I should reach for it.",
    "Here is what I tried so far. I read the official documentation twice, watched a conference talk "
    "and built a tiny example, and it works locally. In staging it behaves differently and I cannot "
    "tell why.",
    "For context: a Django app with PostgreSQL, about 200,000 rows in the biggest table, deployed "
    "with gunicorn behind nginx. Nothing fancy, but the list page takes almost two seconds.",
    "The tutorial I followed stops right before the interesting part. It shows the happy path and "
    "never what to do when the network is slow or the other service answers with an error.",
    "What helped me most was drawing the request path on paper: browser, DNS, load balancer, app "
    "server, database, and back. Every time something is slow, one of those arrows is the culprit.",
    "Short answer: measure first. Turn on query logging, count the queries per page, and look for "
    "the ones that repeat inside a loop. That is usually an N+1 and `select_related` fixes it.",
    "I would not worry about this yet. Get something working end to end, write a test for it, then "
    "come back and make it fast. Premature optimisation really is the root of a lot of wasted weekends.",
    "One thing nobody told me: **read the error message to the end**. The useful line is often the "
    "last one, after forty lines of framework internals.",
    "We hit exactly this at work last month. The fix was boring: a query inside a loop and a timeout "
    "that was far too generous, so slow requests piled up until the workers ran out.",
    "Keep the transaction short. Do the slow work (emails, HTTP calls to other services) after the "
    "commit, in a background job, and make that job safe to run twice.",
    "Caching helps, but only once you know what to invalidate and when. Start with a short TTL and "
    "a version number in the key; deleting keys one by one gets messy quickly.",
    "I keep a small notes file per topic with the commands I ran and what surprised me. Rereading it "
    "a week later is the best revision I know.",
    "Thanks, that explanation finally made it click. I rewrote the view with one query instead of a "
    "loop and the page went from 1.8 s to 40 ms.",
    "Does anyone have a checklist for deploying this safely? I am nervous about running migrations "
    "on a table that big while the site is up.",
    "Try to reproduce it with the smallest possible example. Half the time the bug disappears while "
    "you strip things out, and then you know which part caused it.",
    "Pair programming with someone more experienced for an hour taught me more than a week of "
    "tutorials. Ask around, most people are happy to help.",
    "Write the test first when you fix a bug: it proves the bug exists, proves the fix works and "
    "keeps the bug from coming back when someone refactors the code next year.",
    "I think the roadmap order is right: without the HTTP basics the framework feels like magic, "
    "and magic is hard to debug.",
    "Security is easy to postpone and painful to add later. Hash passwords with a slow hash, keep "
    "secrets out of the repository and validate every input at the edge.",
    "Logs saved me here. A request id in every log line, passed along to the background jobs, made "
    "it possible to follow one user's request across three services.",
]

SNIPPETS = [
    '```python\nthreads = (\n    Thread.objects.filter(status="published")\n'
    '    .select_related("author")\n    .order_by("-last_activity_at")[:30]\n)\n```',
    "```sql\nEXPLAIN ANALYZE\nSELECT id, title FROM thread\nWHERE status = 'published'\n"
    "ORDER BY last_activity_at DESC\nLIMIT 30;\n```",
    "```bash\ndocker compose up -d db redis\npython manage.py migrate\n"
    "gunicorn config.wsgi --workers 3 --bind 127.0.0.1:8000\n```",
    "```python\n@shared_task(bind=True, max_retries=5)\ndef send_welcome(self, user_id):\n"
    '    user = User.objects.get(pk=user_id)\n    send_mail("Welcome", render(user), None, [user.email])\n```',
    "```yaml\nservices:\n  web:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app@db/app\n"
    "    depends_on: [db]\n```",
    '```json\n{"error": {"code": "conflict", "message": "That email is already taken."}}\n```',
]

# Index talk is kept rare (two thread bodies in forty, plus a few titles) so that searching for
# "index" matches a few percent of threads, as a common technical word would.
INDEX_PARAGRAPHS = [
    "The query plan shows a sequential scan on the big table even though I created an index on the "
    "column I filter by. Does the order of the columns in a composite index matter here?",
    "If the table is mostly read, an index on the filter column plus the sort column lets the "
    "database read the first page straight from the index without sorting anything.",
]

LISTS = [
    "What I checked:\n\n1. The migration ran (`showmigrations`)\n2. Statistics are fresh (`ANALYZE`)\n"
    "3. The setting is really read from the environment",
    "- read the docs\n- build a tiny example\n- break it on purpose\n- write down what happened",
    "Pros:\n\n- simple to run\n- well documented\n\nCons:\n\n- one more service to operate\n- memory hungry",
]


def post_bodies(rng: random.Random, count: int, *, long: bool) -> list[str]:
    bodies = []
    for _ in range(count):
        parts = rng.sample(PARAGRAPHS, rng.randint(2, 3) if long else rng.randint(1, 2))
        if rng.random() < (0.5 if long else 0.2):
            parts.insert(rng.randint(1, len(parts)), rng.choice(SNIPPETS))
        if rng.random() < (0.3 if long else 0.1):
            parts.append(rng.choice(LISTS))
        bodies.append("\n\n".join(parts))
    return bodies


# --- The data set ----------------------------------------------------------------------------


@dataclass
class Pool:
    """Post bodies with their HTML, rendered once each."""

    bodies: list[str]
    html: list[str]

    @classmethod
    def render(cls, bodies: list[str]) -> "Pool":
        return cls(bodies=bodies, html=[render_post(body).html for body in bodies])
