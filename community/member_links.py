"""Links made for one member and signed for them: the one-click unsubscribe links of digests and
of notification emails. Each is bound to the member's `unsubscribe_salt`, so changing it
revokes every link sent so far, and to its purpose, so a link made for one cannot serve another.

A token is `<member id>` or `<member id>.<detail>` (which kind of email, say), then Django's
signature: the format links already sent carry.
"""

from django.core import signing

from accounts.models import User
from config.input_guard import database_id


class MemberLinks:
    def __init__(self, purpose: str):
        self.purpose = purpose

    def _signer(self, user) -> signing.Signer:
        return signing.Signer(salt=f"{self.purpose}:{user.unsubscribe_salt}")

    def token(self, user, detail: str = "") -> str:
        return self._signer(user).sign(f"{user.pk}.{detail}" if detail else str(user.pk))

    def read(self, token: str) -> tuple[User, str] | None:
        """The member a valid token was made for and its detail; None for a forged, tampered or
        revoked one."""
        user_id, _, detail = token.rpartition(":")[0].partition(".")
        if database_id(user_id) is None:
            return None
        user = User.objects.filter(pk=database_id(user_id)).first()
        if user is None:
            return None
        try:
            self._signer(user).unsign(token)
        except signing.BadSignature:
            return None
        return user, detail
