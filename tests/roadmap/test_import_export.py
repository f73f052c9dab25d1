"""Importing roadmap content files into the database, exporting them back, and the two commands."""

import copy
import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from config.cache import version_token
from roadmap.caches import STRUCTURE
from roadmap.content_files import ContentError, export_roadmap, import_roadmap, load_roadmap_file
from roadmap.models import Note, Progress, Resource, Roadmap, Section, Topic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND_FILE = Path(__file__).resolve().parents[2] / "roadmap" / "content" / "backend.yaml"

DEMO = {
    "slug": "demo",
    "title": "Demo roadmap",
    "summary": "A small roadmap for tests.",
    "description": "Who it is for.\n\nHow to use it.\n",
    "position": 2,
    "sections": [
        {
            "title": "Basics",
            "description": "Where everyone starts.",
            "topics": [
                {
                    "slug": "http",
                    "title": "HTTP",
                    "body": "HTTP is *the* protocol of the web.\n",
                    "resources": [
                        {
                            "title": "MDN: HTTP",
                            "url": "https://developer.mozilla.org/docs/Web/HTTP",
                            "kind": "docs",
                        },
                        {
                            "title": "RFC 9110",
                            "url": "https://www.rfc-editor.org/rfc/rfc9110",
                            "kind": "docs",
                        },
                    ],
                },
                {
                    "slug": "dns",
                    "title": "DNS",
                    "kind": "core",
                    "prerequisites": ["http"],
                    "body": "Names to addresses.\n\n```python\nsocket.gethostbyname('example.com')\n```\n",
                    "resources": [
                        {
                            "title": "What is DNS?",
                            "url": "https://www.cloudflare.com/learning/dns/what-is-dns/",
                        },
                        {
                            "title": "RFC 1035",
                            "url": "https://www.rfc-editor.org/rfc/rfc1035",
                            "kind": "docs",
                        },
                    ],
                },
            ],
        },
        {
            "title": "Extras",
            "topics": [
                {
                    "slug": "graphql",
                    "title": "GraphQL: a query language",
                    "kind": "optional",
                    "any_order": True,
                    "prerequisites": ["http", "dns"],
                    "body": "One endpoint, typed queries — and no trailing newline",
                    "resources": [
                        {"title": "GraphQL", "url": "https://graphql.org/learn/", "kind": "docs"},
                        {
                            "title": "A paid course",
                            "url": "https://example.com/graphql",
                            "kind": "course",
                            "free": False,
                        },
                    ],
                },
            ],
        },
    ],
}


def demo():
    return copy.deepcopy(DEMO)


def write(tmp_path, document, name="demo.yaml"):
    path = tmp_path / name
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def import_document(tmp_path, document, **options):
    return import_roadmap(load_roadmap_file(write(tmp_path, document)), **options)


def demo_without_dns():
    document = demo()
    document["sections"][0]["topics"].pop(1)
    topic_of(document, "graphql")["prerequisites"] = ["http"]
    return document


def topic_of(document, slug):
    return next(
        topic for section in document["sections"] for topic in section["topics"] if topic["slug"] == slug
    )


def counts():
    return (
        Roadmap.objects.count(),
        Section.objects.count(),
        Topic.objects.count(),
        Resource.objects.count(),
        Topic.prerequisites.through.objects.count(),
    )


def line_of(text, fragment):
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


# Importing


def test_import_creates_roadmap_sections_topics_and_resources(tmp_path):
    report = import_document(tmp_path, demo())

    roadmap = Roadmap.objects.get(slug="demo")
    assert (roadmap.title, roadmap.position) == ("Demo roadmap", 2)
    assert list(roadmap.sections.values_list("title", "position")) == [("Basics", 0), ("Extras", 1)]
    assert list(roadmap.topics.values_list("slug", "position")) == [("http", 0), ("dns", 1), ("graphql", 2)]
    assert Resource.objects.filter(topic__roadmap=roadmap).count() == 6
    assert (report.created["section"], report.created["topic"], report.created["resource"]) == (2, 3, 6)


def test_import_sets_topic_fields_from_the_file(tmp_path):
    import_document(tmp_path, demo())

    graphql = Topic.objects.get(slug="graphql")
    assert graphql.section.title == "Extras"
    assert (graphql.kind, graphql.is_any_order, graphql.is_published) == ("optional", True, True)
    assert graphql.title == "GraphQL: a query language"
    assert graphql.body == "One endpoint, typed queries — and no trailing newline"
    assert Topic.objects.get(slug="http").kind == "core"


def test_import_renders_markdown_bodies(tmp_path):
    import_document(tmp_path, demo())

    assert "<em>the</em>" in Topic.objects.get(slug="http").body_html
    assert "<p>Who it is for.</p>" in Roadmap.objects.get(slug="demo").description_html


def test_import_sets_prerequisites(tmp_path):
    import_document(tmp_path, demo())

    graphql = Topic.objects.get(slug="graphql")
    assert set(graphql.prerequisites.values_list("slug", flat=True)) == {"http", "dns"}


def test_import_sets_resource_fields_and_order(tmp_path):
    import_document(tmp_path, demo())

    resources = Topic.objects.get(slug="graphql").resources.order_by("position")
    assert list(resources.values_list("title", "kind", "is_free", "position")) == [
        ("GraphQL", "docs", True, 0),
        ("A paid course", "course", False, 1),
    ]
    assert Resource.objects.get(url="https://www.cloudflare.com/learning/dns/what-is-dns/").kind == "article"


def test_importing_the_same_file_twice_reports_no_changes(tmp_path):
    import_document(tmp_path, demo())

    report = import_document(tmp_path, demo())

    assert report.has_changes is False
    assert report.changes == []
    assert report.summary() == "no changes"


def test_importing_the_same_file_twice_leaves_updated_at_untouched(tmp_path):
    import_document(tmp_path, demo())
    before = dict(Topic.objects.values_list("slug", "updated_at"))
    roadmap_before = Roadmap.objects.get(slug="demo").updated_at

    import_document(tmp_path, demo())

    assert dict(Topic.objects.values_list("slug", "updated_at")) == before
    assert Roadmap.objects.get(slug="demo").updated_at == roadmap_before


def test_changed_body_is_updated_and_rerendered(tmp_path):
    import_document(tmp_path, demo())
    document = demo()
    topic_of(document, "dns")["body"] = "DNS turns **names** into addresses.\n"

    report = import_document(tmp_path, document)

    dns = Topic.objects.get(slug="dns")
    assert dns.body == "DNS turns **names** into addresses.\n"
    assert "<strong>names</strong>" in dns.body_html
    assert report.changes == ["~ topic dns: body"]
    assert report.updated["topic"] == 1


def test_changed_title_and_body_are_listed_in_one_change_line(tmp_path):
    import_document(tmp_path, demo())
    document = demo()
    topic_of(document, "dns")["title"] = "Domain Name System"
    topic_of(document, "dns")["body"] = "Another body.\n"

    report = import_document(tmp_path, document)

    assert report.changes == ["~ topic dns: body, title"]


def test_resources_follow_the_file(tmp_path):
    import_document(tmp_path, demo())
    document = demo()
    http = topic_of(document, "http")
    http["resources"] = [
        {
            "title": "RFC 9110: HTTP Semantics",
            "url": "https://www.rfc-editor.org/rfc/rfc9110",
            "kind": "docs",
        },
        {"title": "HTTP/3 explained", "url": "https://http3-explained.haxx.se/", "kind": "book"},
    ]

    report = import_document(tmp_path, document)

    resources = Topic.objects.get(slug="http").resources.order_by("position")
    assert list(resources.values_list("title", "position")) == [
        ("RFC 9110: HTTP Semantics", 0),
        ("HTTP/3 explained", 1),
    ]
    assert (report.created["resource"], report.updated["resource"], report.deleted["resource"]) == (1, 1, 1)
    assert report.changes[0] == "~ topic http: resources"


def test_prerequisites_follow_the_file(tmp_path):
    import_document(tmp_path, demo())
    document = demo()
    topic_of(document, "graphql")["prerequisites"] = ["dns"]

    report = import_document(tmp_path, document)

    assert list(Topic.objects.get(slug="graphql").prerequisites.values_list("slug", flat=True)) == ["dns"]
    assert report.changes == ["~ topic graphql: prerequisites"]


def test_topic_moved_to_another_section_keeps_its_identity(tmp_path):
    import_document(tmp_path, demo())
    dns_id = Topic.objects.get(slug="dns").pk
    document = demo()
    dns = document["sections"][0]["topics"].pop(1)
    document["sections"][1]["topics"].append(dns)

    report = import_document(tmp_path, document)

    dns = Topic.objects.get(slug="dns")
    assert (dns.pk, dns.section.title, dns.position) == (dns_id, "Extras", 2)
    assert "~ topic dns: position, section" in report.changes


def test_topic_removed_from_the_file_is_unpublished(tmp_path):
    import_document(tmp_path, demo())

    report = import_document(tmp_path, demo_without_dns())

    assert Topic.objects.get(slug="dns").is_published is False
    assert "- topic dns (unpublished)" in report.changes
    assert report.unpublished["topic"] == 1


def test_topic_removed_from_the_file_keeps_learners_progress_and_notes(tmp_path):
    import_document(tmp_path, demo())
    dns = Topic.objects.get(slug="dns")
    learner = UserFactory()
    Progress.objects.create(user=learner, topic=dns, status="done")
    Note.objects.create(user=learner, topic=dns, body="Remember port 53.")

    import_document(tmp_path, demo_without_dns())

    assert Progress.objects.filter(user=learner, topic=dns, status="done").exists()
    assert Note.objects.filter(user=learner, topic=dns).exists()


def test_topic_back_in_the_file_is_republished(tmp_path):
    import_document(tmp_path, demo())
    dns_id = Topic.objects.get(slug="dns").pk
    import_document(tmp_path, demo_without_dns())

    report = import_document(tmp_path, demo())

    dns = Topic.objects.get(slug="dns")
    assert (dns.pk, dns.is_published) == (dns_id, True)
    assert set(dns.prerequisites.values_list("slug", flat=True)) == {"http"}
    assert "~ topic dns: republished" in report.changes


def test_dry_run_reports_the_changes(tmp_path):
    report = import_document(tmp_path, demo(), dry_run=True)

    assert report.dry_run is True
    assert report.created["topic"] == 3
    assert "+ topic http" in report.changes


def test_dry_run_saves_nothing(tmp_path):
    import_document(tmp_path, demo())
    before = counts()
    document = demo_without_dns()
    topic_of(document, "http")["body"] = "Changed.\n"

    import_document(tmp_path, document, dry_run=True)

    assert counts() == before
    assert Topic.objects.get(slug="http").body == "HTTP is *the* protocol of the web.\n"
    assert Topic.objects.get(slug="dns").is_published is True


def test_progress_is_called_once_per_topic(tmp_path):
    calls = []

    import_document(tmp_path, demo(), progress=lambda done, total: calls.append((done, total)))

    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_import_with_changes_bumps_the_cache_version(tmp_path, django_capture_on_commit_callbacks):
    import_document(tmp_path, demo())
    roadmap = Roadmap.objects.get(slug="demo")
    version = version_token(STRUCTURE.key(roadmap.pk))
    document = demo()
    topic_of(document, "http")["title"] = "HTTP basics"

    with django_capture_on_commit_callbacks(execute=True):
        import_document(tmp_path, document)

    assert version_token(STRUCTURE.key(roadmap.pk)) != version


def test_import_without_changes_keeps_the_cache_version(tmp_path, django_capture_on_commit_callbacks):
    import_document(tmp_path, demo())
    roadmap = Roadmap.objects.get(slug="demo")
    version = version_token(STRUCTURE.key(roadmap.pk))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_document(tmp_path, demo())

    assert callbacks == []
    assert version_token(STRUCTURE.key(roadmap.pk)) == version


def test_dry_run_keeps_the_cache_version(tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_document(tmp_path, demo(), dry_run=True)

    assert callbacks == []


# Bad files


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "slug: demo\ntitle: Demo\nsummary: [unclosed\nsections: []\n")

    with pytest.raises(ContentError, match=r"line \d+, column \d+: invalid YAML"):
        load_roadmap_file(path)


def test_unknown_topic_kind_names_the_line_and_key_path(tmp_path):
    document = demo()
    topic_of(document, "dns")["kind"] = "sideways"
    text = yaml.safe_dump(document, sort_keys=False)

    with pytest.raises(ContentError) as error:
        load_roadmap_file(write(tmp_path, text))

    line = line_of(text, "kind: sideways")
    assert f"line {line}: sections[0].topics[1].kind: 'sideways' is not one of core" in str(error.value)


def test_unknown_prerequisite_is_rejected(tmp_path):
    document = demo()
    topic_of(document, "graphql")["prerequisites"] = ["http", "soap"]

    with pytest.raises(
        ContentError, match=r"sections\[1\]\.topics\[0\]\.prerequisites\[1\]: unknown topic 'soap'"
    ):
        load_roadmap_file(write(tmp_path, document))


def test_http_url_is_rejected(tmp_path):
    document = demo()
    topic_of(document, "http")["resources"][1]["url"] = "http://www.rfc-editor.org/rfc/rfc9110"

    with pytest.raises(ContentError, match=r"topics\[0\]\.resources\[1\]\.url: must be an https URL"):
        load_roadmap_file(write(tmp_path, document))


def test_misspelt_key_is_reported_with_a_suggestion(tmp_path):
    document = demo()
    topic_of(document, "dns")["prerequisite"] = topic_of(document, "dns").pop("prerequisites")

    with pytest.raises(
        ContentError, match=r"topics\[1\]\.prerequisite: unknown key \(did you mean 'prerequisites'\?\)"
    ):
        load_roadmap_file(write(tmp_path, document))


def test_duplicate_topic_slug_is_rejected(tmp_path):
    document = demo()
    topic_of(document, "graphql")["slug"] = "http"

    with pytest.raises(ContentError, match=r"sections\[1\]\.topics\[0\]\.slug: topic 'http' already at"):
        load_roadmap_file(write(tmp_path, document))


def test_duplicate_url_within_a_topic_is_rejected(tmp_path):
    document = demo()
    resources = topic_of(document, "http")["resources"]
    resources[1]["url"] = resources[0]["url"]

    with pytest.raises(ContentError, match=r"resources\[1\]\.url: the same URL is already listed"):
        load_roadmap_file(write(tmp_path, document))


def test_prerequisite_cycle_is_rejected(tmp_path):
    document = demo()
    topic_of(document, "http")["prerequisites"] = ["graphql"]

    with pytest.raises(ContentError, match="prerequisites form a cycle"):
        load_roadmap_file(write(tmp_path, document))


def test_title_longer_than_the_model_allows_is_rejected(tmp_path):
    document = demo()
    topic_of(document, "dns")["title"] = "x" * 161

    with pytest.raises(ContentError, match=r"topics\[1\]\.title: is 161 characters long; at most 160"):
        load_roadmap_file(write(tmp_path, document))


def test_missing_required_key_is_rejected(tmp_path):
    document = demo()
    del topic_of(document, "dns")["body"]

    with pytest.raises(ContentError, match=r"sections\[0\]\.topics\[1\]: missing required key 'body'"):
        load_roadmap_file(write(tmp_path, document))


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    document = demo()
    topic_of(document, "http")["kind"] = "sideways"
    topic_of(document, "graphql")["resources"][0]["url"] = "http://graphql.org/"

    with pytest.raises(ContentError) as error:
        load_roadmap_file(write(tmp_path, document))

    assert len(error.value.problems) == 2


def test_invalid_data_imports_nothing():
    document = demo()
    topic_of(document, "graphql")["kind"] = "sideways"

    with pytest.raises(ContentError):
        import_roadmap(document)

    assert counts() == (0, 0, 0, 0, 0)


def test_failing_import_is_rolled_back_entirely(tmp_path):
    import_document(tmp_path, demo())
    before = counts()
    document = demo()
    for topic in document["sections"][0]["topics"]:
        topic["body"] = "Half-imported?\n"
    document["sections"][1]["topics"].insert(
        0, {"slug": "grpc", "title": "gRPC", "body": "Protocol buffers over HTTP/2.\n"}
    )

    def fail_on_the_third_topic(done, total):
        if done == 3:
            raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        import_document(tmp_path, document, progress=fail_on_the_third_topic)

    assert counts() == before
    assert set(Topic.objects.values_list("body", flat=True)).isdisjoint({"Half-imported?\n"})


# Export


def test_export_then_import_is_a_no_op(tmp_path):
    import_document(tmp_path, demo())

    text = export_roadmap(Roadmap.objects.get(slug="demo"))
    report = import_document(tmp_path, text)

    assert report.changes == []


def test_export_writes_markdown_bodies_as_block_scalars(tmp_path):
    import_document(tmp_path, demo())

    text = export_roadmap(Roadmap.objects.get(slug="demo"))

    assert "        body: |\n          Names to addresses.\n\n          ```python\n" in text
    assert "prerequisites: [http, dns]" in text


def test_export_leaves_out_unpublished_topics(tmp_path):
    import_document(tmp_path, demo())
    Topic.objects.filter(slug="graphql").update(is_published=False)

    exported = yaml.safe_load(export_roadmap(Roadmap.objects.get(slug="demo")))

    assert [section["title"] for section in exported["sections"]] == ["Basics"]
    assert [topic["slug"] for topic in exported["sections"][0]["topics"]] == ["http", "dns"]


# The shipped roadmap


def test_shipped_backend_roadmap_imports_completely():
    data = load_roadmap_file(BACKEND_FILE)
    topics = [topic for section in data["sections"] for topic in section["topics"]]

    report = import_roadmap(data)

    roadmap = Roadmap.objects.get(slug="backend")
    assert roadmap.sections.count() == len(data["sections"])
    assert roadmap.topics.filter(is_published=True).count() == len(topics)
    assert Resource.objects.filter(topic__roadmap=roadmap).count() == sum(len(t["resources"]) for t in topics)
    assert report.created["topic"] == len(topics)


def test_shipped_backend_roadmap_reimport_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    data = load_roadmap_file(BACKEND_FILE)
    import_roadmap(data)

    with django_assert_max_num_queries(10):
        report = import_roadmap(data)

    assert report.changes == []


def test_shipped_backend_roadmap_round_trips_through_export(tmp_path):
    import_roadmap(load_roadmap_file(BACKEND_FILE))

    text = export_roadmap(Roadmap.objects.get(slug="backend"))
    report = import_document(tmp_path, text)

    assert report.changes == []


# Commands


def test_import_command_prints_progress_and_changes(tmp_path):
    out = io.StringIO()

    call_command("import_roadmap", str(write(tmp_path, demo())), stdout=out)

    output = out.getvalue()
    assert "  topics 3/3\n" in output
    assert "+ topic graphql\n" in output
    assert "topics: 3 created" in output
    assert Topic.objects.count() == 3


def test_import_command_says_no_changes_the_second_time(tmp_path):
    path = str(write(tmp_path, demo()))
    call_command("import_roadmap", path, stdout=io.StringIO())
    out = io.StringIO()

    call_command("import_roadmap", path, stdout=out)

    assert "No changes.\n" in out.getvalue()


def test_import_command_dry_run_saves_nothing(tmp_path):
    out = io.StringIO()

    call_command("import_roadmap", str(write(tmp_path, demo())), "--dry-run", stdout=out)

    assert "+ topic http\n" in out.getvalue()
    assert "(dry run: nothing saved)" in out.getvalue()
    assert counts() == (0, 0, 0, 0, 0)


def test_import_command_rejects_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_roadmap", str(tmp_path / "missing.yaml"), stdout=io.StringIO())


def test_import_command_rejects_a_bad_file(tmp_path):
    document = demo()
    topic_of(document, "dns")["kind"] = "sideways"

    with pytest.raises(CommandError, match=r"line \d+: sections\[0\]\.topics\[1\]\.kind"):
        call_command("import_roadmap", str(write(tmp_path, document)), stdout=io.StringIO())


def test_export_command_writes_yaml_to_stdout(tmp_path):
    import_document(tmp_path, demo())
    out = io.StringIO()

    call_command("export_roadmap", "demo", stdout=out)

    assert yaml.safe_load(out.getvalue())["slug"] == "demo"


def test_export_command_writes_to_the_output_file(tmp_path):
    import_document(tmp_path, demo())
    output = tmp_path / "exported.yaml"

    call_command("export_roadmap", "demo", "--output", str(output), stdout=io.StringIO())

    assert load_roadmap_file(output)["title"] == "Demo roadmap"


def test_export_command_rejects_an_unknown_slug():
    with pytest.raises(CommandError, match="No roadmap with the slug 'nope'"):
        call_command("export_roadmap", "nope", stdout=io.StringIO())
