"""Sessions in the database with Redis in front (Django's cached_db), that do not wait for
Redis while it is unreachable.

cached_db copies each session it reads from the database back into the cache. While the
sessions cache is degraded (config.cache) that copy would wait for Redis once per session
read, and a login reads every session of the user (allauth's user sessions). Reads then go
to the database alone; writes of changed sessions still go to both.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(CachedDBStore):
    def load(self):
        if getattr(self._cache, "is_degraded", False):
            return DBStore.load(self)
        return super().load()
