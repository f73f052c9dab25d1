"""Carry out the outbox's due events in this process (no worker or broker needed), with progress."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from community import outbox
from community.models import OutboxEvent


class Command(BaseCommand):
    help = (
        "Carry out the due outbox events (the notifications of posts) now, in this process. Safe while "
        "workers drain too: each event is claimed by one of them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="First make events that were given up on, or are waiting out a backoff, due now with "
            "fresh attempts.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=settings.OUTBOX_BATCH_SIZE,
            help=f"Events per transaction (default {settings.OUTBOX_BATCH_SIZE}).",
        )

    def handle(self, *args, **options):
        if options["retry_failed"]:
            self.stdout.write(f"{outbox.retry_failed()} failed or waiting event(s) made due again")
        due = OutboxEvent.objects.due(timezone.now()).count()
        failed = OutboxEvent.objects.failed().count()
        self.stdout.write(f"{due} due event(s); {failed} given up (see the admin, or --retry-failed)")
        started = time.monotonic()

        def report(batch, total):
            done = total.processed + total.failed + total.given_up
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"{done}/{max(done, due)} ({total}) {rate:.0f}/s")

        total = outbox.drain(batch_size=max(1, options["batch_size"]), on_batch=report)
        waiting = OutboxEvent.objects.pending().count()
        self.stdout.write(self.style.SUCCESS(f"Done: {total}"))
        if waiting:
            self.stdout.write(f"{waiting} event(s) still pending: new ones, or waiting out a backoff")
