"""The whole data set: plans it part by part, in a fixed order, then writes it."""

import random

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench.seed import EMAIL_DOMAIN, PASSWORD, SEED, SPECIAL_THREADS
from bench.seed.accounts import AccountsSeed
from bench.seed.community import CommunitySeed
from bench.seed.fork import ForkedPlanning
from bench.seed.report import ProgressReport
from bench.seed.roadmap import RoadmapSeed
from bench.seed.writer import Writer, analyze
from community.insights import refresh_topic_insights
from community.models import InsightCheckpoint, LearnerJourney, SectionWeek, Tag, Thread, TopicInsight
from roadmap.models import Roadmap, Topic


class BenchData(AccountsSeed, RoadmapSeed, CommunitySeed):
    """Plans the whole data set in memory (compact arrays of ids and timestamps), then writes it.

    Users, threads and comments are numbered from 0 while planning; `*_base` turns a number into
    the row's id."""

    def __init__(self, *, counts: dict[str, int], report: ProgressReport):
        self.counts = counts
        self.report = report
        self.writer = Writer(report)
        self.rng = random.Random(SEED)
        self.now = timezone.now().replace(microsecond=0).timestamp()
        self.user_count = counts["users"]
        self.thread_count = counts["threads"] + len(SPECIAL_THREADS)
        self.special_numbers = list(range(counts["threads"], self.thread_count))
        self.analyzed: set[str] = set()

    @property
    def tables(self) -> list[str]:
        """Every table this command filled, bulk or not."""
        loaded_by_orm = [Roadmap, Topic, Topic.prerequisites.through, Tag]
        return [model._meta.db_table for model in [*self.writer.models, *loaded_by_orm]]

    def load(self) -> None:
        step = self.report.step
        step("roadmaps", self.load_roadmaps)
        step("post bodies", self.render_bodies)
        self.write_users()
        step("tags", self.load_tags)
        self.reserve_ids()
        # Planning is Python alone, loading mostly PostgreSQL's work: the threads, comments and
        # reactions are planned on a second CPU while the progress rows, which need none of
        # that plan, are loaded and settled.
        planning = [
            ("plan threads", self.plan_threads),
            ("plan comments", self.plan_comments),
            ("plan reactions", self.plan_reactions),
        ]
        with ForkedPlanning(self, planning, changed_in_place=("rng",)) as planned:
            self.write_progress()
            self.settle()
            planned.join(self.report)
        self.write_threads()
        self.write_comments()
        self.write_reactions()
        self.write_follows_and_bookmarks()
        self.write_flags()
        self.write_notifications()
        step("sequences", self.writer.reset_sequences)
        self.settle()
        # What /insights/ and topic pages read, as the hourly task leaves it.
        step("topic insights", self.write_topic_insights)
        if connection.vendor == "postgresql":
            step("pending checks", self.writer.fire_pending_checks)
        self.bump_caches()

    def settle(self) -> None:
        """Analyse the tables filled since the last call, check their foreign keys and build
        their indexes. Statistics first: without them the checks (and the insights after the
        last call) plan as if the tables were empty (a nested loop over a million rows)."""
        if connection.vendor != "postgresql":
            return
        tables = [table for table in self.tables if table not in self.analyzed]
        self.report.step("analyze", lambda: analyze(tables))
        self.analyzed.update(tables)
        self.report.step("foreign key checks", self.writer.check_foreign_keys)
        self.writer.build_indexes()

    def write_topic_insights(self) -> None:
        """The hourly task's full run, its 200,000 learner journeys inserted as the tables
        above were loaded: without a foreign key check queued per row."""
        self.writer.without_triggers(
            refresh_topic_insights, [LearnerJourney, TopicInsight, SectionWeek, InsightCheckpoint]
        )

    def summary(self) -> list[str]:
        special = Thread.objects.filter(
            pk__in=[self.thread_base + number for number in self.special_numbers]
        ).order_by("pk")
        site = settings.SITE_URL
        lines = [
            f"  users:          bench0 .. bench{self.user_count - 1} (email bench<N>@{EMAIL_DOMAIN}), "
            f"password {PASSWORD!r}",
            f"  signed-in runs: bench0@{EMAIL_DOMAIN} (a learner); mentors: "
            + (f"bench1 .. bench{self.mentor_numbers[-1]}" if self.mentor_numbers else "none"),
        ]
        lines += [f"  {thread.title}: {site}{thread.get_absolute_url()}" for thread in special]
        return lines
