"""Render the pages most visitors land on into the shared cache, before a release takes traffic."""

from django.core.management.base import BaseCommand

from config.warmup import warm_hot_pages


class Command(BaseCommand):
    help = (
        "Render the home page, the roadmaps, the thread list and the hottest threads, in every "
        "language, into the shared cache for this release. Run it in the release step, after "
        "migrate and before the new web processes take traffic: every cached page is keyed by the "
        "release, so a new one starts with none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--threads",
            type=int,
            default=20,
            help="How many threads from the top of the thread list to warm (default 20).",
        )

    def handle(self, *args, threads, **options):
        if threads < 0:
            self.stderr.write("--threads must be 0 or more.")
            raise SystemExit(2)
        warmed = warm_hot_pages(threads=threads)
        failed = [page for page in warmed if page.status != 200]
        for page in failed:
            self.stderr.write(f"{page.path} ({page.language}) answered {page.status}; not cached")
        seconds = sum(page.seconds for page in warmed)
        self.stdout.write(
            f"Warmed {len(warmed) - len(failed)} of {len(warmed)} pages in {seconds:.1f} s "
            f"({len({page.path for page in warmed})} addresses, each in every language)."
        )
