"""Writes of the people who run the programme: the operator invites officials for any
district, an official invites colleagues for its own district, and either deactivates (and
reactivates) the accounts it is responsible for. No role needs the Django admin for this.

An invited official receives a one-time link to choose a password (Django's password reset
token: it stops working once a password is set, and after PASSWORD_RESET_TIMEOUT)."""

import re

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from portal.emails import render_email
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.notifications import notify_after_commit
from regions.models import AuditEntry, Region, User
from regions.services import USERNAME_PATTERN, audit_record


def can_manage_people(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_operator or user.is_official))


def can_manage_account(actor, account: User) -> bool:
    """Only the operator deactivates and reactivates accounts (never an operator's, never
    its own). Officials invite colleagues but cannot switch one off: with four-eyes approvals,
    an official who could deactivate the district's other official could approve alone."""
    if not (actor and actor.is_authenticated and actor.is_operator) or account.pk == actor.pk:
        return False
    return not account.is_operator


def set_password_link(user: User) -> str:
    path = reverse(
        "account-set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.PORTAL_BASE_URL}{path}"


@transaction.atomic(durable=True)
def official_invite(
    *,
    actor: User,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    region: Region | None = None,
) -> User:
    """Create an official's account without a password and e-mail the link to choose one."""
    if not can_manage_people(actor):
        raise NotAllowed(_("Only the operator and officials invite officials."))
    if actor.is_official:
        if region is not None and region.pk != actor.region_id:
            raise NotAllowed(_("Officials invite colleagues for their own district only."))
        region = actor.region
    if region is None:
        raise ValidationFailed(_("Choose the official's district."), field="region")
    username = (username or "").strip()
    email = (email or "").strip()
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise ValidationFailed(
            _("3 to 150 letters, digits and @ . + - _ only."), field="username", code="invalid"
        )
    try:
        validate_email(email)
    except DjangoValidationError as error:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from error
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidTransition(
            _("An account with this username exists already."), code="username_taken"
        )
    if User.objects.filter(email__iexact=email).exists():
        # One address, one account: a password reset must know whose password it resets.
        raise InvalidTransition(
            _("An account with this e-mail address exists already."), code="email_taken"
        )
    official = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip()[:150],
        last_name=(last_name or "").strip()[:150],
        role=User.Role.OFFICIAL,
        region=region,
    )
    official.set_unusable_password()
    official.save()
    audit_record(
        actor=actor,
        obj=official,
        action=AuditEntry.Action.CREATE,
        data={"role": User.Role.OFFICIAL, "region": region.code, "invited": True},
    )
    subject, body = render_email(
        "regions/official_invited",
        {
            "username": username,
            "district": region.display_name,
            "inviter": actor.get_full_name() or actor.username,
            "url": set_password_link(official),
        },
    )
    notify_after_commit(recipients=[email], subject=subject, body=body)
    return official


class PasswordResetIncludingInvited(PasswordResetForm):
    """Django's form skips accounts without a password; an invited official whose link
    expired has none yet and must be able to ask for a new one here."""

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True)


def _lock_account(actor: User, account: User) -> User:
    account = User.objects.select_for_update().get(pk=account.pk)
    if not can_manage_account(actor, account):
        raise NotAllowed(_("You cannot change this account."))
    return account


@transaction.atomic(durable=True)
def account_deactivate(*, actor: User, account: User, reason: str) -> User:
    """The person can no longer sign in; their API tokens stop working. Nothing they did is
    removed: the audit trail keeps their name."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason."), field="reason", code="required")
    account = _lock_account(actor, account)
    if not account.is_active:
        raise InvalidTransition(_("This account is deactivated already."), code="inactive")
    account.is_active = False
    account.save(update_fields=["is_active"])
    Token.objects.filter(user=account).delete()
    audit_record(
        actor=actor,
        obj=account,
        action=AuditEntry.Action.SUSPEND,
        from_status="active",
        to_status="inactive",
        reason=reason,
    )
    return account


@transaction.atomic(durable=True)
def account_reactivate(*, actor: User, account: User) -> User:
    account = _lock_account(actor, account)
    if account.is_active:
        raise InvalidTransition(_("This account is active already."), code="active")
    account.is_active = True
    account.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        obj=account,
        action=AuditEntry.Action.REACTIVATE,
        from_status="inactive",
        to_status="active",
    )
    return account
