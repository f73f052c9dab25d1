"""The content every freshness case starts from, and the pages that show it.

Each shown text is a word that appears nowhere else (an animal's name, capitalised; slugs and
usernames are lower case), so "the old word is gone" can only be true once the change shows.
The roadmap comes from a content file through `manage.py import_roadmap`, as in production, so
the import cases re-import the same file changed.
"""

import copy
import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.management import call_command
from django.db.models import Model
from django.urls import reverse

from accounts.models import User
from community import services
from community.models import Comment, Tag, Thread
from roadmap.models import Roadmap, Section, Topic
from tests.factories import AdminFactory, MentorFactory, TagFactory, UserFactory

CONTENT = {
    "slug": "kestrel",
    "title": "Kestrel Ocelot roadmap",
    "summary": "A roadmap for the freshness tests.",
    "sections": [
        {
            "title": "Kestrel Ibex section",
            "project": {
                "title": "Kestrel Wombat project",
                "goal": "Build the Kestrel thing.\n",
                "requirements": ["It runs.", "It has tests.", "It has a README."],
                "hand_in": "A repository.",
            },
            "topics": [
                {
                    "slug": "lynx",
                    "title": "Kestrel Lynx topic",
                    "body": "Kestrel topic body about the Marmot.\n",
                    "resources": [{"title": "Kestrel Tapir docs", "url": "https://docs.example.com/tapir"}],
                    "quiz": [
                        {
                            "question": "Kestrel Quokka question?",
                            "options": [
                                {"text": "Kestrel Numbat answer", "correct": True, "explanation": "Right."},
                                {"text": "Kestrel Bilby answer", "explanation": "Wrong."},
                                {"text": "Kestrel Potoroo answer", "explanation": "Wrong too."},
                            ],
                        }
                    ],
                },
                {
                    "slug": "gecko",
                    "title": "Kestrel Gecko topic",
                    "prerequisites": ["lynx"],
                    "body": "Kestrel topic body about the Axolotl.\n",
                },
            ],
        }
    ],
}


def content() -> dict:
    """The world's roadmap as a content file holds it (a copy to change)."""
    return copy.deepcopy(CONTENT)


def import_content(directory: Path, document: dict) -> None:
    path = directory / "kestrel.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    call_command("import_roadmap", str(path), stdout=io.StringIO())


@dataclass
class World:
    directory: Path
    roadmap: Roadmap
    section: Section
    topic: Topic
    tag: Tag
    author: User  # wrote the thread
    mentor: User  # wrote the comment
    member: User  # the signed-in reader: no post of theirs anywhere
    admin: User
    thread: Thread
    comment: Comment
    other_thread: Thread
    pages: dict[str, str] = field(default_factory=dict)


def build_world(directory: Path) -> World:
    import_content(directory, content())
    roadmap = Roadmap.objects.get(slug="kestrel")
    topic = Topic.objects.select_related("roadmap").get(roadmap=roadmap, slug="lynx")
    tag = TagFactory(slug="bison", name="Kestrel Bison tag")
    author = UserFactory(username="falcon", display_name="Author Falcon")
    mentor = MentorFactory(username="osprey", display_name="Mentor Osprey")
    member = UserFactory(username="robin", display_name="Member Robin")
    admin = AdminFactory(username="boss", display_name="Admin Boss")
    thread = services.create_thread(
        author=author,
        title="Kestrel Zebra question",
        body="Kestrel thread body about the Walrus.",
        topic=topic,
        tags=[tag],
    )
    comment = services.create_comment(thread=thread, author=mentor, body="Kestrel reply about the Puffin.")
    other_thread = services.create_thread(
        author=author, title="Kestrel second thread", body="Kestrel second body, no topic."
    )
    world = World(
        directory=directory,
        roadmap=roadmap,
        section=topic.section,
        topic=topic,
        tag=tag,
        author=author,
        mentor=mentor,
        member=member,
        admin=admin,
        thread=thread,
        comment=comment,
        other_thread=other_thread,
    )
    world.pages = pages_of(world)
    return world


def reloaded(world: World) -> World:
    """The same world with every row read afresh: a test changes the instances it is given."""
    rows = {
        item.name: getattr(world, item.name)
        for item in dataclasses.fields(world)
        if isinstance(getattr(world, item.name), Model)
    }
    return dataclasses.replace(
        world, **{name: type(row).objects.get(pk=row.pk) for name, row in rows.items()}
    )


# Pages that are fragments, asked for by htmx (the map opens a topic in a side panel).
HTMX_PAGES = frozenset({"topic panel"})


def pages_of(world: World) -> dict[str, str]:
    """Every page that shows part of the world, by name (the names the cases use)."""
    thread, topic, tag = world.thread, world.topic, world.tag
    api = "/api/v1"
    return {
        "thread page": thread.get_absolute_url(),
        "other thread page": world.other_thread.get_absolute_url(),
        "/discussions/": reverse("community:thread-list"),
        "/discussions/?tag=": f"{reverse('community:thread-list')}?tag={tag.slug}",
        "/discussions/?topic=": f"{reverse('community:thread-list')}?topic={topic.pk}",
        "tag page": tag.get_absolute_url(),
        "home": reverse("home"),
        "roadmap list": reverse("roadmap:roadmap-list"),
        "map": world.roadmap.get_absolute_url(),
        "topic page": topic.get_absolute_url(),
        "topic panel": f"{topic.get_absolute_url()}?panel=1",
        "author profile": world.author.get_absolute_url(),
        "mentor profile": world.mentor.get_absolute_url(),
        "member profile": world.member.get_absolute_url(),
        "admin profile": world.admin.get_absolute_url(),
        "saved threads": reverse("community:bookmark-list"),
        "feed": reverse("community:feed-latest"),
        "tag feed": reverse("community:feed-tag", args=[tag.slug]),
        "search": f"{reverse('community:search')}?q=Kestrel",
        "API threads": f"{api}/threads/",
        "API thread": f"{api}/threads/{thread.pk}/",
        "API comments": f"{api}/threads/{thread.pk}/comments/",
        "API comment": f"{api}/comments/{world.comment.pk}/",
        "API tags": f"{api}/tags/",
        "API roadmaps": f"{api}/roadmaps/",
        "API roadmap": f"{api}/roadmaps/{world.roadmap.slug}/",
        "API topic": f"{api}/roadmaps/{world.roadmap.slug}/topics/{topic.slug}/",
        "API quiz": f"{api}/roadmaps/{world.roadmap.slug}/topics/{topic.slug}/quiz/",
        "project page": reverse("roadmap:project-detail", args=[world.roadmap.slug, world.section.pk]),
        "API project": f"{api}/roadmaps/{world.roadmap.slug}/projects/{world.section.pk}/",
        "API member progress": f"{api}/users/{world.member.username}/progress/",
        "API saved threads": f"{api}/me/bookmarks/",
    }
