"""Sessions in the database and the cache (SESSION_STORE=cached_db), still served when the
cache fails.

Django's cached_db store lets the cache's errors out of `exists()`, `delete()` and the write
after a read from the database: with Redis away, signing in and every signed-in page
answered 500, where the database alone (SESSION_STORE=db) does not care. This store answers
from the database whenever the cache fails, and logs a warning at most once a minute per
process.

A session changed or ended while the cache is away may still be read from the cache once it
is back, until its expiry (the cache could not be told): after a long outage in which people
signed out, empty the cache's Redis database.
"""

import logging
import time

from django.contrib.sessions.backends import cached_db
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a cache that is away or does not answer raises (redis-py's errors; a socket's).
CACHE_ERRORS = (RedisError, OSError)
WARN_EVERY_SECONDS = 60
_last_warning = None


def _cache_failed(operation: str, error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if _last_warning is not None and now - _last_warning < WARN_EVERY_SECONDS:
        return
    _last_warning = now
    logger.warning(
        "Sessions: the cache failed (%s: %r); sessions are read from and written to the "
        "database only until it answers (this warning at most once a minute).",
        operation,
        error,
    )


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except CACHE_ERRORS as error:
            _cache_failed("read", error)
            return self._load_from_database(cache_it=False)
        except Exception:
            # As Django's store: some caches refuse a key they cannot hold (#17810).
            data = None
        if data is None:
            return self._load_from_database(cache_it=True)
        return data

    def _load_from_database(self, *, cache_it: bool) -> dict:
        session = self._get_session_from_db()
        if not session:
            return {}
        data = self.decode(session.session_data)
        if cache_it:
            try:
                self._cache.set(
                    self.cache_key, data, self.get_expiry_age(expiry=session.expire_date)
                )
            except CACHE_ERRORS as error:
                _cache_failed("write", error)
        return data

    def exists(self, session_key):
        if session_key:
            try:
                if (self.cache_key_prefix + session_key) in self._cache:
                    return True
            except CACHE_ERRORS as error:
                _cache_failed("read", error)
        # The database's answer, which is the one that counts when the cache has none.
        return super(cached_db.SessionStore, self).exists(session_key)

    def save(self, must_create=False):
        # The database store's save; then the cache, whose failure is logged (Django's own
        # store logged a traceback at every request).
        super(cached_db.SessionStore, self).save(must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except CACHE_ERRORS as error:
            _cache_failed("write", error)

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except CACHE_ERRORS as error:
            _cache_failed("delete", error)
