"""Demo content for `seed_demo`: the demo learner's progress on the Backend roadmap."""

from roadmap import history
from roadmap.models import Progress, ProgressEvent, Roadmap, Topic

DEMO_PROGRESS = [
    ("how-the-internet-works", Progress.Status.DONE),
    ("tcp-ip-and-ports", Progress.Status.DONE),
    ("http", Progress.Status.DONE),
    ("http-methods", Progress.Status.DONE),
    ("http-status-codes", Progress.Status.LEARNING),
    ("dns", Progress.Status.LEARNING),
    ("css", Progress.Status.SKIPPED),
]


def seed(*, users, stdout):
    roadmap = Roadmap.objects.filter(slug="backend").first()
    if roadmap is None:
        stdout.write(
            "    (no Backend roadmap yet: run `manage.py import_roadmap roadmap/content/backend.yaml`)"
        )
        return
    topics = {topic.slug: topic for topic in Topic.objects.filter(roadmap=roadmap)}
    with history.source(ProgressEvent.Source.IMPORT):
        for slug, status in DEMO_PROGRESS:
            if slug in topics:
                Progress.objects.get_or_create(
                    user=users["learner"], topic=topics[slug], defaults={"status": status}
                )
