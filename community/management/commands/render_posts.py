"""Render all stored Markdown again: after a change to the renderer, stored HTML follows.

    python manage.py render_posts [--batch 500]

Threads, comments, roadmap topics and learners' notes keep their HTML beside their Markdown,
rendered when written. Rows are read in batches of `--batch`, and those whose HTML changes
are written in a transaction per batch, so the command can be stopped and run again; the
cache layer retires the pages that show them (config.caching.touch).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from community.markdown import render_post
from community.models import Comment, Thread
from config.caching import touch
from roadmap.markdown import render_markdown
from roadmap.models import Note, Topic


def _post_html(body: str) -> str:
    return render_post(body).html


RENDERED = ((Thread, _post_html), (Comment, _post_html), (Topic, render_markdown), (Note, render_markdown))


class Command(BaseCommand):
    help = "Render the Markdown of every thread, comment, topic and note again (after a renderer change)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *, batch, **options):
        for model, render in RENDERED:
            name = model._meta.verbose_name_plural
            total, done, changed, last_pk = model.objects.count(), 0, 0, 0
            while rows := list(model.objects.filter(pk__gt=last_pk).order_by("pk")[:batch]):
                stale = []
                for row in rows:
                    html = render(row.body) if row.body else ""
                    if html != row.body_html:
                        row.body_html = html
                        stale.append(row)
                if stale:
                    with transaction.atomic():
                        model.objects.bulk_update(stale, ["body_html"])
                        touch(*stale, fields={"body_html"})
                done, changed, last_pk = done + len(rows), changed + len(stale), rows[-1].pk
                self.stdout.write(f"{name}: {done:,} of {total:,} read, {changed:,} rendered anew")
        self.stdout.write(self.style.SUCCESS("All stored Markdown is rendered with the current renderer."))
