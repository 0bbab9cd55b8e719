"""Token authentication with the token's user kept in the cache for a minute.

DRF's TokenAuthentication reads the token and its user (a join over every user column) on
every API request: on a list near its floor that query was a fifth of the time. The cache
(per process in memory by default, Redis shared by every worker when CACHE_URL says so)
keeps the pair, pickled, under a hash of the key (tokens never lie in the cache readable).

What must not be served stale is dropped when it changes: deleting the token and saving or
deleting its user (deactivation, a role or district change) delete the entry. With the
default per-process cache, other processes see such a change within TOKEN_CACHE_SECONDS.
A cache that is away is skipped: the request reads the database as before.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from portal.throttling import CACHE_ERRORS
from portal.two_factor import has_second_factor, second_factor_required

logger = logging.getLogger(__name__)


def _timeout() -> int:
    return int(getattr(settings, "TOKEN_CACHE_SECONDS", 60))


def _token_key(key: str) -> str:
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()


def _user_key(user_id) -> str:
    return f"api-token-user:{user_id}"


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the token and user cached."""

    def authenticate(self, request):
        # A POST with an Idempotency-Key is authenticated twice, by the middleware
        # (portal/idempotency.py) and by the view: the second time reuses the first's answer,
        # kept on the request (its header cannot change in between).
        django_request = getattr(request, "_request", request)
        known = getattr(django_request, "_portal_token_auth", None)
        if known is not None:
            return known
        result = super().authenticate(request)
        if result is not None:
            django_request._portal_token_auth = result
        return result

    def authenticate_credentials(self, key):
        if not isinstance(key, str) or not _timeout():
            return super().authenticate_credentials(key)
        cache_key = _token_key(key)
        try:
            token = cache.get(cache_key)
        except CACHE_ERRORS as exc:
            logger.warning("token cache unavailable: %r", exc)
            return super().authenticate_credentials(key)
        if token is not None and token.key == key and token.user.is_active:
            return _second_step_kept(token.user), token
        user, token = super().authenticate_credentials(key)  # raises for a bad key
        try:
            cache.set_many({cache_key: token, _user_key(user.pk): cache_key}, _timeout())
        except CACHE_ERRORS as exc:
            logger.warning("token cache unavailable: %r", exc)
        return _second_step_kept(user), token


def _second_step_kept(user):
    """An official's or the operator's token works only once they have a second step: a
    token made before two-step sign-in was required was made without one. (Setting the
    second step up deletes the tokens made before it: portal/two_factor.py.) One query, for
    those roles only, while REQUIRE_2FA is on."""
    if second_factor_required(user) and not has_second_factor(user):
        raise exceptions.PermissionDenied(
            {
                "detail": _("Set up two-step sign-in on the website first."),
                "code": "otp_setup_required",
            }
        )
    return user


def forget_user_token(user_id) -> None:
    try:
        cache_key = cache.get(_user_key(user_id))
        cache.delete_many([key for key in (cache_key, _user_key(user_id)) if key])
    except CACHE_ERRORS as exc:
        logger.warning("token cache unavailable, entry of user %s kept: %r", user_id, exc)


@receiver(post_delete, sender=Token, dispatch_uid="portal-token-deleted")
def _token_deleted(sender, instance, **kwargs):
    forget_user_token(instance.user_id)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="portal-user-saved")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="portal-user-deleted")
def _user_changed(sender, instance, **kwargs):
    forget_user_token(instance.pk)
