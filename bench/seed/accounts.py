"""Users: bench0 (the signed-in visitor), mentors, verified emails."""

import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts.models import MENTORS_GROUP, User
from bench.seed import DAY, EMAIL_DOMAIN, MENTOR_COUNT, PASSWORD, YEAR
from bench.seed.numbers import cumulative, timestamp
from bench.seed.writer import next_id

FIRST_NAMES = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Guido",
    "Radia", "Tim", "Hedy", "Edsger", "Katherine", "Donald", "Sophie", "Yukihiro", "Anita", "Brian",
    "Jean", "Niklaus", "Karen", "Rob", "Lynn", "Bjarne", "Mary", "James", "Adele", "John",
]  # fmt: skip
LAST_NAMES = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen",
    "van Rossum", "Perlman", "Berners-Lee", "Lamarr", "Dijkstra", "Johnson", "Knuth", "Wilson",
    "Matsumoto", "Borg", "Kernighan", "Bartik", "Wirth", "Spärck Jones", "Pike", "Conway",
    "Stroustrup", "Keller", "Gosling", "Goldberg", "McCarthy",
]  # fmt: skip
TIMEZONES = [
    "UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "America/New_York",
    "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo",
    "Asia/Singapore", "Australia/Sydney", "Africa/Lagos", "Africa/Nairobi",
]  # fmt: skip


class AccountsSeed:
    """The users of the data set. Sets `user_base`, `mentor_numbers` and the authors' weights
    that `authors()` draws from."""

    def write_users(self) -> None:
        rng = self.rng
        self.user_base = next_id(User)
        count = self.user_count
        # Activity follows a long tail: a few people write much of what is posted.
        weights = [min(rng.paretovariate(1.2), 200.0) for _ in range(count)]
        self.author_cumulative = list(cumulative(weights))
        self.mentor_numbers = range(1, min(MENTOR_COUNT, count - 1) + 1)
        password = make_password(PASSWORD)
        base = self.user_base
        now = self.now

        def users():
            for number in range(count):
                yield (
                    base + number,
                    password,
                    f"bench{number}@{EMAIL_DOMAIN}",
                    f"bench{number}",
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    rng.choice(TIMEZONES),
                    rng.choices(["weekly", "daily", "off"], weights=[6, 2, 2])[0],
                    rng.randint(6, 21),
                    secrets.token_hex(8),
                    timestamp(now - 2 * YEAR + rng.random() * (2 * YEAR - 30 * DAY)),
                )

        columns = (
            "id", "password", "email", "username", "display_name", "timezone", "digest_frequency",
            "digest_hour", "unsubscribe_salt", "date_joined",
        )  # fmt: skip
        self.writer.write(User, columns, users(), count)
        first = next_id(EmailAddress)
        self.writer.write(
            EmailAddress,
            ("id", "user_id", "email", "verified", "primary"),
            (
                (first + number, base + number, f"bench{number}@{EMAIL_DOMAIN}", True, True)
                for number in range(count)
            ),
            count,
        )
        group = Group.objects.filter(name=MENTORS_GROUP).first()
        if group is not None:
            Membership = User.groups.through
            first = next_id(Membership)
            self.writer.write(
                Membership,
                ("id", "user_id", "group_id"),
                ((first + i, base + number, group.pk) for i, number in enumerate(self.mentor_numbers)),
                len(self.mentor_numbers),
                label="mentors",
            )

    def authors(self, count: int) -> list[int]:
        return self.rng.choices(range(self.user_count), cum_weights=self.author_cumulative, k=count)
