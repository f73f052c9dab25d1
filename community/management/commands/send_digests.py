"""Send the digests that are due now, in this process (no worker needed), or show who would get what."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from community import digest
from config.input_guard import database_id


class Command(BaseCommand):
    help = (
        "Send the digest emails that are due now, in this process. Each digest still goes out at most "
        "once per period: deliveries already recorded are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--user",
            action="append",
            default=[],
            metavar="ID|EMAIL|USERNAME",
            help="Only this user (repeatable).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print who would get what; send and record nothing."
        )
        parser.add_argument(
            "--now",
            action="store_true",
            help="Ignore the local digest hour: everyone not yet served this period.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=50, help="Users per SMTP connection (default 50)."
        )

    def handle(self, *args, **options):
        now = timezone.now()
        user_ids = self._user_ids(options["user"]) if options["user"] else None
        due = digest.due_user_ids(now=now, ignore_hour=options["now"], user_ids=user_ids)
        if user_ids is not None:
            for user_id in sorted(set(user_ids) - set(due)):
                self.stdout.write(f"user {user_id}: not due (digests off, unverified, suspended, inactive, "
                                  "hour not reached or already served this period)")  # fmt: skip
        self.stdout.write(
            f"{len(due)} due digest(s){' (dry run: nothing is sent)' if options['dry_run'] else ''}"
        )
        if options["dry_run"]:
            self._dry_run(due, now, max(1, options["batch_size"]))
        else:
            self._send(due, now, options)

    def _user_ids(self, values) -> list[int]:
        ids = []
        for value in values:
            match = Q(email__iexact=value) | Q(username__iexact=value)
            if database_id(value) is not None:
                match |= Q(pk=database_id(value))
            user_id = User.objects.filter(match).values_list("pk", flat=True).first()
            if user_id is None:
                raise CommandError(f"No user matches {value!r}.")
            ids.append(user_id)
        return ids

    def _dry_run(self, user_ids, now, size):
        for start in range(0, len(user_ids), size):
            users = list(User.objects.filter(pk__in=user_ids[start : start + size]).order_by("pk"))
            builder = digest.digest_builder(users, now=now)
            for user in users:
                built = builder.build(user)
                outcome = f"“{built.subject}”" if built else "skip: nothing new"
                self.stdout.write(f"{user.email}  {digest.period_key(user, now)}  {outcome}")

    def _send(self, user_ids, now, options):
        size = max(1, options["batch_size"])
        started = time.monotonic()
        done = 0
        total = digest.BatchResult()

        def report(user, outcome):
            nonlocal done
            done += 1
            total.add(outcome)
            if options["verbosity"] > 1:
                self.stdout.write(f"  {user.email}: {outcome}")

        for start in range(0, len(user_ids), size):
            try:
                digest.send_digests(
                    user_ids=user_ids[start : start + size],
                    now=now,
                    ignore_hour=options["now"],
                    on_result=report,
                )
            except digest.DigestSendError as error:
                raise CommandError(f"SMTP failed after {done} digest(s): {error}") from error
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"{done}/{len(user_ids)} ({total}) {rate:.0f}/s")
        self.stdout.write(self.style.SUCCESS(f"Done: {total}"))
