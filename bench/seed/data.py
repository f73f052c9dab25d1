"""The whole data set: plans it part by part, in a fixed order, then writes it."""

import random

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench.seed import EMAIL_DOMAIN, PASSWORD, SEED, SPECIAL_THREADS
from bench.seed.accounts import AccountsSeed
from bench.seed.community import CommunitySeed
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
        step("plan threads", self.plan_threads)
        step("plan comments", self.plan_comments)
        step("plan reactions", self.plan_reactions)
        self.write_threads()
        self.write_comments()
        self.write_reactions()
        self.write_progress()
        self.write_follows_and_bookmarks()
        self.write_flags()
        self.write_notifications()
        step("sequences", self.writer.reset_sequences)
        if connection.vendor == "postgresql":
            # Statistics first: without them the checks and the insights below plan as if the
            # tables were empty (a nested loop over a million rows).
            step("analyze", lambda: analyze(self.tables))
            step("foreign key checks", self.writer.check_foreign_keys)
            self.writer.build_indexes()
        # What /insights/ and topic pages read, as the hourly task leaves it.
        step("topic insights", self.write_topic_insights)
        if connection.vendor == "postgresql":
            step("pending checks", self.writer.fire_pending_checks)
        self.bump_caches()

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
