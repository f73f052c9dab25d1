"""The Stepwise user: logs in by email or username, shows a public username, owns digest preferences;
and the personal API tokens a user creates in their settings."""

import hashlib
import hmac
import re
import secrets
import zoneinfo
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

MENTORS_GROUP = "Mentors"

WEEKLY_GOAL_MAX = 50
TIMEZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]

username_validator = RegexValidator(
    r"^[A-Za-z0-9_-]+\Z",
    _("Use letters, digits, hyphens and underscores only."),
)


@lru_cache(maxsize=4096)
def _session_auth_hash(password: str, secret: str) -> str:
    return AbstractBaseUser._get_session_auth_hash(SimpleNamespace(password=password), secret=secret)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, username, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address.")
        if not username:
            raise ValueError("Users need a username.")
        user = self.model(email=self.normalize_email(email), username=username, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, username, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, username, password, **extra_fields)

    def create_superuser(self, email, username, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, username, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    class DigestFrequency(models.TextChoices):
        OFF = "off", _("Off")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    username = models.CharField(
        _("username"),
        max_length=30,
        validators=[username_validator],
        help_text=_("Your public handle: 3 to 30 letters, digits, hyphens or underscores."),
    )
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("bio"), max_length=500, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    digest_frequency = models.CharField(
        _("digest frequency"), max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("digest hour"),
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text=_("Local hour (0-23) at which your digest is sent."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the site and your emails. Left empty, your browser's decides."),
    )
    is_progress_public = models.BooleanField(_("show my progress on my profile"), default=True)
    weekly_goal = models.PositiveSmallIntegerField(
        _("weekly goal"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(WEEKLY_GOAL_MAX)],
        help_text=_(
            "Topics you mean to finish each week; your home page and digest tell you how you are doing."
        ),
    )
    unsubscribe_salt = models.CharField(
        _("unsubscribe salt"), max_length=16, default="", blank=True, editable=False
    )
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    suspension_reason = models.CharField(_("suspension reason"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(digest_hour__gte=0, digest_hour__lte=23),
                name="accounts_user_digest_hour_range",
            ),
            models.CheckConstraint(
                condition=models.Q(weekly_goal__isnull=True)
                | models.Q(weekly_goal__gte=1, weekly_goal__lte=WEEKLY_GOAL_MAX),
                name="accounts_user_weekly_goal_range",
            ),
        ]
        indexes = [
            # Django compiles `__iexact` (allauth's login and signup lookups) to UPPER(...).
            models.Index(Upper("email"), name="user_email_upper_idx"),
            models.Index(Upper("username"), name="user_username_upper_idx"),
        ]
        permissions = [
            ("moderate_community", "Can moderate threads, comments and flags"),
        ]

    def has_perm(self, perm, obj=None):
        """Django's answer (every backend asked in turn), remembered on the instance as Django
        remembers the permission sets it reads (`_perm_cache`): a page asks the same several
        times (is this member a mentor?), and each ask loaded every backend anew."""
        if obj is not None:
            return super().has_perm(perm, obj)
        answers = self.__dict__.setdefault("_perm_answers", {})
        asked = (perm, self.is_active, self.is_superuser)  # what Django's answer turns on first
        if asked not in answers:
            answers[asked] = super().has_perm(perm)
        return answers[asked]

    def _get_session_auth_hash(self, secret=None):
        """Django's check that a session was made with the current password, remembered per
        process (it is asked on every signed-in request: an HMAC each time)."""
        return _session_auth_hash(self.password, settings.SECRET_KEY if secret is None else secret)

    def __str__(self):
        return self.username

    def save(self, *args, **kwargs):
        if not self.unsubscribe_salt:
            self.unsubscribe_salt = secrets.token_hex(8)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("accounts:profile", kwargs={"username": self.username})

    @property
    def public_name(self):
        return self.display_name or self.username

    # The roles are defined in accounts.roles (which builds its queries on this model);
    # these properties let templates and serializers read them.
    @property
    def is_suspended(self):
        from accounts import roles

        return roles.is_suspended(self)

    @property
    def suspension_notice(self):
        from accounts import roles

        return roles.suspension_notice(self)

    @property
    def is_admin(self):
        from accounts import roles

        return roles.is_admin(self)

    @cached_property
    def is_mentor(self):
        """Selectors that read many users fill this in with `roles.is_mentor_annotation`."""
        from accounts import roles

        return roles.is_mentor(self)

    @property
    def role(self):
        """The role a badge shows: "admin", "mentor" or "learner"."""
        if self.is_admin:
            return "admin"
        if self.is_mentor:
            return "mentor"
        return "learner"


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 of its key is stored: keys are 43 random
    characters, so a fast hash is safe, and the key itself is shown once, when created.
    A request names its token by the key's first characters, then the hashes are compared."""

    PREFIX_LENGTH = 8
    NAME_MAX = 60
    KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{40,100}")

    user = models.ForeignKey(
        User, verbose_name=_("member"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=NAME_MAX, help_text=_("What the token is for, e.g. “my CLI”.")
    )
    key_prefix = models.CharField(_("key prefix"), max_length=PREFIX_LENGTH, db_index=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="accounts_apitoken_user_name_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, self.hash_key(key))
