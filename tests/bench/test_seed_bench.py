"""seed_bench: the benchmark data set has the promised size, its counters are exact, it loads
once per database, and only where the bench app is installed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.db import connection
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from bench.seed import EMAIL_DOMAIN, PASSWORD, SPECIAL_THREADS
from bench.seed.fork import ForkedPlanning
from bench.seed.report import ProgressReport
from bench.seed.writer import Writer
from community.models import Comment, Flag, Notification, Reaction, Status, Tag, Thread, TopicInsight
from community.search import search
from roadmap.models import Progress, ProgressEvent, Roadmap

SCALE = 0.002


@pytest.fixture
def bench_app(settings):
    """Installs the bench app, as BENCH_ENDPOINTS=true does."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]


@pytest.fixture
def seeded(db, bench_app):
    output = StringIO()
    call_command("seed_bench", scale=SCALE, stdout=output)
    return output.getvalue()


def _counted(model, field, **conditions):
    """How many `model` rows point at each row, as a subquery (0 when none)."""
    rows = model.objects.filter(**{field: OuterRef("pk")}, **conditions).values(field)
    return Coalesce(
        Subquery(rows.annotate(total=Count("pk")).values("total")), 0, output_field=IntegerField()
    )


def test_seed_bench_loads_the_scaled_counts_plus_the_two_bench_threads(seeded):
    assert User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count() == 20
    assert Roadmap.objects.count() == 3
    assert Thread.objects.count() == 100 + 2
    assert Comment.objects.count() == 1_000 + 200 + 2_000
    assert Reaction.objects.count() == 2_000
    assert Progress.objects.count() == 400
    assert Flag.objects.count() == 40
    assert Notification.objects.count() == 40
    sizes = {
        thread.title: thread.comments.count() for thread in Thread.objects.filter(title__startswith="Bench:")
    }
    assert sizes == {title: size for size, title in SPECIAL_THREADS}


def test_every_progress_row_has_its_history_recorded_as_an_import_and_summarised(seeded):
    latest = {}
    for user_id, topic_id, kind, source in ProgressEvent.objects.exclude(kind="verified").values_list(
        "user_id", "topic_id", "kind", "source"
    ):
        assert source == "import"
        latest[user_id, topic_id] = kind
    assert latest == {(row.user_id, row.topic_id): row.status for row in Progress.objects.all()}
    assert (
        ProgressEvent.objects.filter(kind="verified").count()
        == Progress.objects.filter(verified_at__isnull=False).count()
    )
    assert TopicInsight.objects.filter(started__gt=0).exists()


def test_every_denormalised_counter_equals_the_rows_it_counts(seeded):
    threads = Thread.objects.annotate(
        real_comments=_counted(Comment, "thread", status=Status.PUBLISHED),
        real_reactions=_counted(Reaction, "thread"),
        real_likes=_counted(Reaction, "thread", kind="like"),
        real_helpful=_counted(Reaction, "thread", kind="helpful"),
        real_insightful=_counted(Reaction, "thread", kind="insightful"),
        latest_comment=Max("comments__created_at"),
    )
    assert not threads.exclude(comment_count=F("real_comments")).exists()
    assert not threads.exclude(reaction_count=F("real_reactions")).exists()
    assert not threads.exclude(like_count=F("real_likes")).exists()
    assert not threads.exclude(helpful_count=F("real_helpful")).exists()
    assert not threads.exclude(insightful_count=F("real_insightful")).exists()
    assert (
        not threads.filter(latest_comment__isnull=False)
        .exclude(last_activity_at=F("latest_comment"))
        .exists()
    )
    comments = Comment.objects.annotate(
        real_reactions=_counted(Reaction, "comment"),
        real_likes=_counted(Reaction, "comment", kind="like"),
        real_helpful=_counted(Reaction, "comment", kind="helpful"),
        real_insightful=_counted(Reaction, "comment", kind="insightful"),
    )
    assert not comments.exclude(reaction_count=F("real_reactions")).exists()
    assert not comments.exclude(like_count=F("real_likes")).exists()
    assert not comments.exclude(helpful_count=F("real_helpful")).exists()
    assert not comments.exclude(insightful_count=F("real_insightful")).exists()
    tags = Tag.objects.annotate(real=Count("threads", filter=~Q(threads__status=Status.REMOVED)))
    assert not tags.exclude(thread_count=F("real")).exists()
    assert Tag.objects.filter(thread_count__gt=0).exists()


def test_bench_users_sign_in_with_the_printed_password_and_verified_emails(seeded):
    visitor = User.objects.get(username="bench0")
    assert visitor.check_password(PASSWORD)
    assert visitor.emailaddress_set.filter(verified=True, primary=True).exists()
    assert PASSWORD in seeded
    assert "/discussions/" in seeded


def test_rows_created_after_seeding_get_fresh_ids(seeded, learner):
    from community import services

    thread = services.create_thread(author=learner, title="A thread after the bench data", body="x" * 40)
    assert thread.pk > Thread.objects.exclude(pk=thread.pk).aggregate(top=Max("pk"))["top"]


def test_a_second_run_refuses_with_a_clear_message(seeded):
    with pytest.raises(CommandError, match="already holds the bench data set .* runs once per database"):
        call_command("seed_bench", scale=SCALE, stdout=StringIO())
    assert User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count() == 20


def test_a_scale_too_small_for_the_data_set_is_refused(db, bench_app):
    with pytest.raises(CommandError, match="use at least 0.002"):
        call_command("seed_bench", scale=0.0001, stdout=StringIO())


def test_seed_bench_is_not_a_command_without_the_bench_app():
    assert "seed_bench" not in get_commands()


@pytest.mark.postgres
def test_the_threads_search_vectors_are_the_ones_their_trigger_computes(seeded):
    loaded = dict(Thread.objects.values_list("pk", "search_vector"))
    Thread.objects.update(title=F("title"))  # fires the trigger on every row
    assert dict(Thread.objects.values_list("pk", "search_vector")) == loaded


@pytest.mark.postgres
def test_bench_threads_are_found_by_full_text_search(seeded):
    assert not Thread.objects.filter(search_vector__isnull=True).exists()
    results = search(query="index", viewer=User.objects.get(username="bench0"))
    assert results.threads


class _Plan:
    def __init__(self):
        self.counter = [0]

    def count(self):
        self.counter.append(1)
        self.counted = len(self.counter)

    def fail(self):
        raise ValueError("no plan for this")


def test_forked_planning_ends_with_what_its_steps_set_and_reports_them():
    plan, output = _Plan(), StringIO()
    with ForkedPlanning(plan, [("count", plan.count)], changed_in_place=("counter",)) as planning:
        planning.join(ProgressReport(output))
    assert (plan.counted, plan.counter) == (2, [0, 1])
    assert "count (forked)" in output.getvalue()


def test_a_planning_step_failing_in_the_forked_process_fails_the_command_with_its_traceback():
    plan = _Plan()
    with pytest.raises(CommandError, match="(?s)Planning failed.*no plan for this"):
        with ForkedPlanning(plan, [("fail", plan.fail)]) as planning:
            planning.join(ProgressReport(StringIO()))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_big_tables_are_vacuumed_after_the_load(bench_app):
    call_command("seed_bench", scale=SCALE, stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname IN ('community_comment', 'community_reaction') "
            "AND relpages > 0 AND relallvisible = relpages"
        )
        assert sorted(name for (name,) in cursor.fetchall()) == ["community_comment", "community_reaction"]


def _point_one_reaction_at(comment_id):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no trigger to stop it
        cursor.execute(
            "UPDATE community_reaction SET comment_id = %s "
            "WHERE id = (SELECT min(id) FROM community_reaction WHERE comment_id IS NOT NULL)",
            [comment_id],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.postgres
def test_the_foreign_key_checks_find_a_key_beyond_its_parents_ids(seeded):
    _point_one_reaction_at(Comment.objects.aggregate(top=Max("pk"))["top"] + 1)
    with pytest.raises(
        CommandError, match="1 rows of community_reaction.comment_id point to no community_comment"
    ):
        Writer(ProgressReport(StringIO())).check_foreign_keys([Reaction])


@pytest.mark.postgres
def test_the_foreign_key_checks_find_a_key_pointing_into_a_gap_of_its_parents_ids(seeded):
    comments = list(Comment.objects.order_by("pk").values_list("pk", flat=True))
    missing = comments[len(comments) // 2]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM community_comment WHERE id = %s", [missing])
        cursor.execute("SET LOCAL session_replication_role = origin")
    _point_one_reaction_at(missing)
    with pytest.raises(CommandError, match="community_reaction.comment_id point to no community_comment"):
        Writer(ProgressReport(StringIO())).check_foreign_keys([Reaction])
