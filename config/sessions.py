"""Sessions in the database with Redis in front (Django's cached_db), that do not wait for
Redis while it is unreachable, and that close the live sockets of a session when it ends.

cached_db copies each session it reads from the database back into the cache. While the
sessions cache is degraded (config.cache) that copy would wait for Redis once per session
read, and a login reads every session of the user (allauth's user sessions). Reads then go
to the database alone; writes of changed sessions still go to both.

A session is deleted when its member signs out, ends it from another device (allauth's user
sessions) or is signed out everywhere. Once that commits, the member's open sockets are told
to check their sessions (config.consumers): the socket of the ended session closes at once.

A signed-in page reads its session in the same Redis round trip as its member's version tokens
and its own (config.cache.get_with_tokens_ahead): this process remembers whose each session
was when it last read it, and announces that member's tokens before the read. A session this
process has read before is not read again until Redis says it changed (config.key_watch), so
a warm signed-in page makes no round trip at all: every write or deletion of a session here
is followed by a fence, after which no process keeps the old one (a sign-out holds at once
everywhere).

A request without a session cookie gets its session store only when something uses it
(SessionMiddleware): most such requests (pages served from the cache, the API) never do.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import transaction
from django.utils.functional import SimpleLazyObject, empty
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from config.cache import Guesses, ResilientRedisCache, get_with_tokens_ahead, read_ahead

# Whose each session is, as this process last read it: the member's tokens are then read in
# the same round trip as the session (load).
MEMBER_OF_SESSION = Guesses()


class SessionStore(CachedDBStore):
    def load(self):
        if getattr(self._cache, "is_degraded", False):
            return DBStore.load(self)
        member = MEMBER_OF_SESSION.get(self.session_key)
        if member is not None:
            from accounts.caches import member_token_keys

            read_ahead(*member_token_keys(member))
        data = get_with_tokens_ahead(self._cache, self.cache_key)
        if data is None and getattr(self._cache, "is_degraded", False):  # Redis failed just now
            data = DBStore.load(self)
        elif data is None:  # not in the cache: from the database, copied into the cache
            data = super().load()
        if (member := data.get(SESSION_KEY)) is not None:
            MEMBER_OF_SESSION.remember(self.session_key, member)
        return data

    def save(self, must_create=False):
        super().save(must_create)
        self._fence()

    def delete(self, session_key=None):
        member = self._member_of(session_key or self.session_key)
        MEMBER_OF_SESSION.forget(session_key or self.session_key)
        super().delete(session_key)
        self._fence()
        if member is not None:
            transaction.on_commit(lambda: _tell_sockets(member))

    def _fence(self):
        """Once Redis answers, every process that kept this session has been told it changed.
        Not while Redis is skipped after a failure: a hung Redis would make the fence wait out
        its timeout on every sign-in and sign-out, and its invalidations go out with the write's
        own reply anyway; only the wait for them is skipped."""
        if isinstance(self._cache, ResilientRedisCache) and not self._cache.is_degraded:
            try:
                self._cache.fence()
            except (ConnectionInterrupted, RedisError, OSError):
                self._cache._failed()

    def _member_of(self, session_key):
        """Who the session signs in, read before it goes (a sign-out has emptied this store's
        copy by now: Django clears a session before deleting it)."""
        if session_key is None:
            return None
        known = getattr(self, "_session_cache", None) if session_key == self.session_key else None
        member = (known or {}).get(SESSION_KEY)
        if member is None:
            member = type(self)(session_key=session_key).get(SESSION_KEY)
        return member


def _tell_sockets(member) -> None:
    from accounts.caches import LIVE_MEMBER
    from config import live

    live.nudge(LIVE_MEMBER, member)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, with the store made on first use when the request has no session cookie.
    Unused, such a store has nothing to save and no cookie to delete, so the response is left
    as it is; a request with the cookie goes the usual way (an invalid one is deleted)."""

    def process_request(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return super().process_request(request)
        request.session = SimpleLazyObject(lambda: self.SessionStore(None))

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if isinstance(session, SimpleLazyObject) and session._wrapped is empty:
            return response
        return super().process_response(request, response)
