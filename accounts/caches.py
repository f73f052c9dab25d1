"""What accounts caches, and which writes retire it (see config.caching).

Every request of a signed-in visitor loads their user row, and most check a permission (mentor
powers), which Django reads with two more queries. Both are cached:

- USER, one token per user, retires their cached row whenever it is saved or deleted (a
  password change, a suspension, a new last-login), so their next request sees the change;
  the session check against the password hash then works on the fresh row, so a password
  change still signs out their other sessions. It is read in the same round trip as every
  other per-user token (`Token(per_user=True)`), which most of their pages read next;
- PERMISSIONS, one token for the site, retires every cached permission set on any change to
  groups, memberships or permissions: a mentor whose role is taken away loses its powers with
  their next request. Superuser and active flags come from the user and are part of the key.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from config.caching import Cached, M2MRule, Rule, Token
from config.live import Topic as LiveTopic

User = get_user_model()

USER = Token("user", per_user=True)
PERMISSIONS = Token("permissions", scoped=False)

# Every change to a member's row (a suspension, a password change) makes their open sockets
# check their session and standing again (config.consumers); pages never hear of it.
LIVE_MEMBER = LiveTopic("member", token=USER, own=True, internal=True)

SIGNED_IN_USER = Cached(
    "user",
    key=("user_id",),
    tokens=lambda user_id: [USER.key(user_id)],
    timeout="user",
    build=None,  # the authentication backend's own get_user
)
PERMISSION_SET = Cached(
    "permissions",
    key=("user_id", "is_superuser"),
    tokens=lambda user_id, is_superuser: [PERMISSIONS.key()],
    timeout="permissions",
    build=None,  # Django's ModelBackend.get_all_permissions
)

Rule(User, lambda user: [USER.key(user.pk)])
for _model in (Group, Permission):
    Rule(_model, lambda row: [PERMISSIONS.key()])
for _through, _reverse in (
    (User.groups.through, "user_set"),
    (User.user_permissions.through, "user_set"),
    (Group.permissions.through, "group_set"),
):
    M2MRule(_through, lambda ids: [PERMISSIONS.key()], reverse_set=_reverse)
