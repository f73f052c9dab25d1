"""Quizzes, section projects and review dates in the content files: validation with line
numbers, import (identity of questions and options, the changes reported), export in the
canonical form, and the shipped file coming back byte for byte."""

import copy
import datetime
from pathlib import Path

import pytest
import yaml

from roadmap.content_files import (
    ContentError,
    dump_roadmap,
    export_roadmap,
    import_roadmap,
    load_roadmap_file,
    parse_roadmap,
)
from roadmap.models import Project, QuizAttempt, QuizOption, QuizQuestion, Roadmap, Topic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND_FILE = Path(__file__).resolve().parents[2] / "roadmap" / "content" / "backend.yaml"


def question(text, right="Right", wrong=("Wrong one", "Wrong two")):
    return {
        "question": text,
        "options": [
            {"text": right, "correct": True, "explanation": f"Why “{right}” is right."},
            *(
                {"text": option, "correct": False, "explanation": f"Why “{option}” is wrong."}
                for option in wrong
            ),
        ],
    }


PROJECT = {
    "title": "Trace a request",
    "goal": "Follow one request end to end.\n",
    "requirements": ["Log the `Host` header.", "Time each hop.", "Write a README."],
    "stretch": "Do it over HTTP/3.",
    "hand_in": "A repository with the script and a README.",
}

DOCUMENT = {
    "slug": "quizzed",
    "title": "Quizzed roadmap",
    "summary": "A roadmap with quizzes and a project.",
    "position": 3,
    "sections": [
        {
            "title": "Basics",
            "description": "Where everyone starts.",
            "project": PROJECT,
            "topics": [
                {
                    "slug": "http",
                    "title": "HTTP",
                    "kind": "core",
                    "any_order": False,
                    "prerequisites": [],
                    "reviewed": datetime.date(2026, 12, 5),
                    "body": "HTTP is *the* protocol of the web.\n",
                    "resources": [],
                    "quiz": [
                        question("Which method is safe?", "`GET`", ("`POST`", "`DELETE`")),
                        question("What does 404 mean?", "Not found", ("Forbidden", "Gone for good")),
                        {
                            "question": "Which are status classes?",
                            "options": [
                                {"text": "2xx", "correct": True, "explanation": "Success."},
                                {"text": "4xx", "correct": True, "explanation": "Client errors."},
                                {"text": "7xx", "correct": False, "explanation": "There is no 7xx class."},
                            ],
                        },
                    ],
                },
                {
                    "slug": "dns",
                    "title": "DNS",
                    "kind": "core",
                    "any_order": False,
                    "prerequisites": ["http"],
                    "body": "Names to addresses.\n",
                    "resources": [],
                },
            ],
        },
    ],
}


def document():
    return copy.deepcopy(DOCUMENT)


def quiz_of(data, slug="http"):
    return next(
        topic for section in data["sections"] for topic in section["topics"] if topic["slug"] == slug
    )["quiz"]


def imported(data=None):
    return import_roadmap(parse_roadmap(yaml.safe_dump(data or document(), sort_keys=False)))


def problems(text):
    with pytest.raises(ContentError) as error:
        parse_roadmap(text)
    return error.value.problems


# Import


def test_import_creates_questions_options_project_and_review_date():
    report = imported()
    topic = Topic.objects.get(slug="http")
    assert topic.reviewed_on == datetime.date(2026, 12, 5)
    questions = list(topic.quiz_questions.order_by("position"))
    assert [q.text for q in questions] == [
        "Which method is safe?",
        "What does 404 mean?",
        "Which are status classes?",
    ]
    assert [o.is_correct for o in questions[2].options.order_by("position")] == [True, True, False]
    project = Project.objects.get(section__title="Basics")
    assert project.requirements == PROJECT["requirements"]
    assert report.created["question"] == 3
    assert report.created["project"] == 1


def test_importing_twice_changes_nothing():
    imported()
    assert imported().changes == []


def test_a_corrected_question_keeps_its_identity_and_is_reported():
    imported()
    before = QuizQuestion.objects.get(text="What does 404 mean?")
    data = document()
    quiz_of(data)[1]["question"] = "What does status 404 mean?"
    report = imported(data)
    after = QuizQuestion.objects.get(text="What does status 404 mean?")
    assert after.pk == before.pk
    assert "~ topic http: quiz" in report.changes
    assert "    ~ question “What does status 404 mean?”: text" in report.changes


def test_reordered_questions_keep_their_identity():
    imported()
    ids = dict(QuizQuestion.objects.values_list("text", "pk"))
    keys = dict(QuizOption.objects.values_list("text", "key"))
    data = document()
    quiz_of(data).reverse()
    imported(data)
    assert dict(QuizQuestion.objects.values_list("text", "pk")) == ids
    assert dict(QuizOption.objects.values_list("text", "key")) == keys
    assert (
        list(QuizQuestion.objects.order_by("position").values_list("text", flat=True))[0]
        == "Which are status classes?"
    )


def test_a_question_gone_from_the_file_is_deleted_and_a_new_one_created():
    imported()
    data = document()
    quiz_of(data)[0] = question("Which method is idempotent?", "`PUT`", ("`POST`", "`PATCH`"))
    quiz_of(data).insert(0, question("A brand new question?"))
    report = imported(data)
    texts = list(QuizQuestion.objects.order_by("position").values_list("text", flat=True))
    assert texts[:2] == ["A brand new question?", "Which method is idempotent?"]
    assert "Which method is safe?" not in texts
    assert report.deleted["question"] == 0 or "    - question “Which method is safe?”" in report.changes


def test_a_changed_explanation_updates_the_option_in_place():
    imported()
    option = QuizOption.objects.get(text="7xx")
    data = document()
    quiz_of(data)[2]["options"][2]["explanation"] = "Status codes run from 100 to 599."
    report = imported(data)
    option.refresh_from_db()
    assert option.explanation == "Status codes run from 100 to 599."
    assert "    ~ question “Which are status classes?”: options" in report.changes


def test_a_project_follows_the_file_and_is_kept_while_work_hangs_on_it():
    from community.models import ReviewRequest

    imported()
    data = document()
    data["sections"][0]["project"]["title"] = "Trace one request"
    assert "~ project Trace one request (Basics): title" in imported(data).changes
    project = Project.objects.get()
    ReviewRequest.objects.create(learner=UserFactory(), project=project, links=["https://github.com/a/b"])
    del data["sections"][0]["project"]
    assert imported(data).changes == []
    assert Project.objects.filter(pk=project.pk).exists()
    ReviewRequest.objects.all().delete()
    assert "- project Trace one request (Basics)" in imported(data).changes
    assert not Project.objects.exists()


def test_attempts_survive_a_reimport():
    imported()
    topic = Topic.objects.get(slug="http")
    QuizAttempt.objects.create(learner=UserFactory(), topic=topic, answers={}, score=0, total=3)
    imported()
    assert QuizAttempt.objects.count() == 1


# Export and the canonical form


def test_export_then_import_is_a_no_op():
    imported()
    text = export_roadmap(Roadmap.objects.get(slug="quizzed"))
    assert import_roadmap(parse_roadmap(text)).changes == []


def test_export_writes_the_documented_keys_in_order():
    imported()
    exported = yaml.safe_load(export_roadmap(Roadmap.objects.get(slug="quizzed")))
    section = exported["sections"][0]
    assert list(section) == ["title", "description", "project", "topics"]
    assert list(section["project"]) == ["title", "goal", "requirements", "stretch", "hand_in"]
    http, dns = section["topics"]
    assert list(http) == [
        "slug",
        "title",
        "kind",
        "any_order",
        "prerequisites",
        "reviewed",
        "body",
        "resources",
        "quiz",
    ]
    assert list(dns) == ["slug", "title", "kind", "any_order", "prerequisites", "body", "resources"]
    assert http["reviewed"] == datetime.date(2026, 12, 5)
    assert list(http["quiz"][0]["options"][0]) == ["text", "correct", "explanation"]


def test_the_canonical_form_spaces_sections_and_topics_and_needs_no_database():
    text = dump_roadmap(document())
    assert "\n\n      - slug: dns\n" in text
    assert "\n        reviewed: 2026-12-05\n" in text
    two_sections = document()
    two_sections["sections"].append(
        {
            "title": "More",
            "topics": [dict(DOCUMENT["sections"][0]["topics"][1], slug="tls", prerequisites=[])],
        }
    )
    assert "\n\n  - title: More\n" in dump_roadmap(two_sections)
    assert dump_roadmap(yaml.safe_load(text)) == text


def test_the_database_export_is_the_canonical_dump_of_the_file():
    imported()
    assert export_roadmap(Roadmap.objects.get(slug="quizzed")) == dump_roadmap(document())


def test_the_shipped_file_is_in_canonical_form():
    text = BACKEND_FILE.read_text(encoding="utf-8")
    assert dump_roadmap(yaml.safe_load(text)) == text


def test_the_shipped_file_imports_and_exports_byte_for_byte():
    import_roadmap(load_roadmap_file(BACKEND_FILE))
    assert export_roadmap(Roadmap.objects.get(slug="backend")) == BACKEND_FILE.read_text(encoding="utf-8")


# Validation


def text_of(data):
    return yaml.safe_dump(data, sort_keys=False)


def line_of(text, fragment):
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_question_with_no_correct_option_names_its_line():
    data = document()
    for option in quiz_of(data)[1]["options"]:
        option["correct"] = False
    text = text_of(data)
    (problem,) = problems(text)
    assert problem == (
        f"line {line_of(text, 'text: Not found')}: sections[0].topics[0].quiz[1].options: "
        "no option is marked correct: at least one must be"
    )


def test_too_few_options_are_refused():
    data = document()
    quiz_of(data)[0]["options"] = quiz_of(data)[0]["options"][:2]
    (problem,) = problems(text_of(data))
    assert "sections[0].topics[0].quiz[0].options: has 2 options; a question has 3 to 5" in problem


def test_an_option_without_an_explanation_is_refused():
    data = document()
    del quiz_of(data)[0]["options"][1]["explanation"]
    (problem,) = problems(text_of(data))
    assert "sections[0].topics[0].quiz[0].options[1]: missing required key 'explanation'" in problem


def test_a_question_written_twice_is_refused():
    data = document()
    quiz_of(data).append(copy.deepcopy(quiz_of(data)[0]))
    (problem,) = problems(text_of(data))
    assert "quiz[3].question: the same question is already in this quiz" in problem


def test_a_misspelt_quiz_key_gets_a_suggestion():
    data = document()
    quiz_of(data)[0]["options"][0]["explaination"] = quiz_of(data)[0]["options"][0].pop("explanation")
    found = problems(text_of(data))
    assert any("explaination: unknown key (did you mean 'explanation'?)" in problem for problem in found)


def test_a_review_date_must_be_a_date():
    data = document()
    data["sections"][0]["topics"][0]["reviewed"] = "last week"
    (problem,) = problems(text_of(data))
    assert "sections[0].topics[0].reviewed: must be a date written as YYYY-MM-DD, not 'last week'" in problem


def test_a_project_needs_three_to_seven_requirements_and_a_hand_in():
    data = document()
    data["sections"][0]["project"]["requirements"] = ["Only one."]
    del data["sections"][0]["project"]["hand_in"]
    found = problems(text_of(data))
    assert any("project: missing required key 'hand_in'" in problem for problem in found)
    assert any(
        "project.requirements: has 1 requirements; a project has 3 to 7" in problem for problem in found
    )
