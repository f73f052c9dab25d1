"""Creates the demo accounts (and, through the other apps' hooks, demo content). Idempotent.

Their passwords are published in this file, an admin's among them, so the command refuses to
run outside development (DEBUG=false) unless forced.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import hooks
from accounts.models import MENTORS_GROUP, User

DEMO_USERS = [
    # username, email, password (development only), role, display name
    ("ada", "learner@stepwise.localhost", "learn-backend-2026", "learner", "Ada Learner"),
    ("grace", "mentor@stepwise.localhost", "mentor-backend-2026", "mentor", "Grace Mentor"),
    ("admin", "admin@stepwise.localhost", "admin-backend-2026", "admin", "Site Admin"),
]


class Command(BaseCommand):
    help = (
        "Create demo accounts (learner, mentor, admin) and demo content, in development only. "
        "Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG=false. Never on a site others can reach.",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            if not options["force"]:
                raise CommandError(
                    "seed_demo is for development only and DEBUG is false: it would create an admin "
                    "and other accounts whose passwords are published in Stepwise's source code. "
                    "Nothing was created. Use --force only on a throwaway copy nobody else can reach."
                )
            self.stderr.write(
                self.style.WARNING(
                    "WARNING: DEBUG is false, so this looks like production. The accounts below, an "
                    "admin among them, have passwords anyone can read in Stepwise's source code: "
                    "anyone who finds this site can sign in with them. Never do this on a site others "
                    "can reach; delete these accounts before it is."
                )
            )
        mentors = Group.objects.get(name=MENTORS_GROUP)
        users = {}
        for username, email, password, role, display_name in DEMO_USERS:
            user = User.objects.filter(email__iexact=email).first()
            created = user is None
            if created:
                user = User.objects.create_user(
                    email=email,
                    username=username,
                    password=password,
                    display_name=display_name,
                    is_staff=role == "admin",
                    is_superuser=role == "admin",
                    date_joined=timezone.now() - timedelta(days=30),
                )
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if role == "mentor":
                user.groups.add(mentors)
            users[role] = user
            state = "created" if created else "exists"
            self.stdout.write(f"  {role:<8} {username:<10} {email:<30} password: {password}  ({state})")
        for name, step in hooks.demo_steps():
            self.stdout.write(f"  demo content: {name}")
            step(users=users, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. These passwords are for local development only.")
        )
