"""Writes of the people who run the programme: the operator invites officials for any
district, an official invites colleagues for its own district, and either deactivates (and
reactivates) the accounts it is responsible for. No role needs the Django admin for this.

An invited official receives a one-time link to choose a password (Django's password reset
token: it stops working once a password is set, and after PASSWORD_RESET_TIMEOUT)."""

import hashlib
import re

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from portal.emails import current_language, render_email_in, supported_language
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.notifications import notify_after_commit
from portal.outbox import enqueue
from portal.security import refuse_format_characters, shown_text
from portal.throttling import CACHE_ERRORS
from regions.models import AuditEntry, Region, User
from regions.services import USERNAME_PATTERN, audit_record

# --- who may have an account under which name and address ---------------------------------
# Every way in checks the same two rules: the invitation of officials, the sign-up of
# enterprises (vouchers.forms.SignupForm), the provider's application with a new account
# (providers.forms.AccountForm, providers.services.provider_register). `manage.py
# create_operator` matches the same USERNAME_PATTERN (regions.services.operator_create).

# The first key of the advisory lock that serialises the creation of accounts with one address.
EMAIL_LOCK = 18020


def validate_username(value: str) -> None:
    """Django validator (form fields) for a user name people choose or are given. Stricter than
    Django's own: no spaces, nothing a page or a log could take for markup."""
    if not re.fullmatch(USERNAME_PATTERN, value or ""):
        raise DjangoValidationError(
            _("3 to 150 letters, digits and @ . + - _ only."), code="invalid"
        )


def validate_email_unused(value: str) -> None:
    """Django validator (form fields): one address, one account, so that a password reset knows
    whose password it resets. Compared without case, as the reset looks addresses up
    (password_reset_mails). An empty address is left to the field's `required`."""
    value = (value or "").strip()
    if value and User.objects.filter(email__iexact=value).exists():
        raise DjangoValidationError(
            _("An account with this e-mail address exists already."), code="email_taken"
        )


def clean_username(value: str | None) -> str:
    """The user name as stored, or a ValidationFailed on `username` (for services)."""
    username = (value or "").strip()
    try:
        validate_username(username)
    except DjangoValidationError as error:
        raise ValidationFailed(error.messages[0], field="username", code="invalid") from error
    return username


def check_email_unused(email: str) -> None:
    """Inside the transaction that creates the account: refuse an address another account has
    (InvalidTransition on `email`, 409, as the invitation always answered).

    A form's check passed earlier can be overtaken by a concurrent request with the same
    address; on PostgreSQL an advisory lock on the address, held until commit, makes the
    second creation wait here and then see the first. Call it before the transaction takes any
    row lock: whoever waits here then holds nothing that another could wait for, so it cannot
    deadlock. SQLite (local runs) serialises writes anyway."""
    email = (email or "").strip()
    if not email:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(lower(%s)))", [EMAIL_LOCK, email]
            )
    try:
        validate_email_unused(email)
    except DjangoValidationError as error:
        raise InvalidTransition(error.messages[0], field="email", code="email_taken") from error


def can_manage_people(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_operator or user.is_official))


class AccountLinkTokens(PasswordResetTokenGenerator):
    """The tokens of set-password links (invitations, resets). Django's change with the
    password and the last login; these also with the account's session generation, which
    deactivation moves on, and whether it is active: a reset link mailed before the account
    was deactivated still set its password afterwards, ready for the day it came back."""

    def _make_hash_value(self, user, timestamp):
        return (
            f"{super()._make_hash_value(user, timestamp)}"
            f"{user.session_generation}{int(user.is_active)}"
        )


account_link_tokens = AccountLinkTokens()


def can_invite_officials(user) -> bool:
    """Only the operator creates officials' accounts. An official who could create a
    colleague's account could hold both of a four-eyes approval (approve, then approve again
    as the account just made), as one who could switch a colleague off could approve alone."""
    return bool(user and user.is_authenticated and user.is_operator)


def can_manage_account(actor, account: User) -> bool:
    """Only the operator deactivates and reactivates accounts (never an operator's, never
    its own). Officials cannot switch a colleague off: with four-eyes approvals,
    an official who could deactivate the district's other official could approve alone."""
    if not (actor and actor.is_authenticated and actor.is_operator) or account.pk == actor.pk:
        return False
    # A superuser (made with createsuperuser, for whoever runs the machines) is beyond the
    # operator's reach, as another operator is.
    return not (account.is_operator or account.is_superuser)


def set_password_link(user: User) -> str:
    path = reverse(
        "account-set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": account_link_tokens.make_token(user),
        },
    )
    return f"{settings.PORTAL_BASE_URL}{path}"


def invited_account_create(
    *,
    username: str,
    email: str,
    role: str,
    region: Region | None = None,
    first_name: str = "",
    last_name: str = "",
    enterprise=None,
    provider=None,
) -> User:
    """An account without a password, its username and address checked (400 malformed, 409
    taken): the person chooses a password from the link `set_password_link` gives. Inside
    the caller's transaction, which audits it and e-mails the link."""
    username = clean_username(username)
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError as error:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from error
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidTransition(
            _("An account with this username exists already."), code="username_taken"
        )
    check_email_unused(email)
    # A name reversed by a direction override would read otherwise in every history, and one
    # with a zero-width space (李\u200b四) looks like another person's while differing from it.
    first_name = refuse_format_characters((first_name or "").strip(), field="first_name")
    last_name = refuse_format_characters((last_name or "").strip(), field="last_name")
    account = User(
        username=username,
        email=email,
        first_name=first_name[:150],
        last_name=last_name[:150],
        role=role,
        region=region,
        enterprise=enterprise,
        provider=provider,
    )
    account.set_unusable_password()
    account.save()
    return account


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
    if not can_invite_officials(actor):
        raise NotAllowed(
            _(
                "Only the programme operator invites officials: an official who could create "
                "a colleague's account could give both approvals of four eyes."
            )
        )
    if region is None:
        raise ValidationFailed(_("Choose the official's district."), field="region")
    official = invited_account_create(
        username=username,
        email=email,
        role=User.Role.OFFICIAL,
        region=region,
        first_name=first_name,
        last_name=last_name,
    )
    username, email = official.username, official.email
    audit_record(
        actor=actor,
        obj=official,
        action=AuditEntry.Action.CREATE,
        data={"role": User.Role.OFFICIAL, "region": region.code, "invited": True},
    )
    notify_after_commit(
        recipients=[email],
        email="regions/official_invited",
        context=lambda: {
            "username": username,
            "district": region.display_name,
            "inviter": actor.get_full_name() or actor.username,
            "url": set_password_link(official),
        },
    )
    return official


# Reset links one address receives in an hour: a person who lost a mail asks again once or
# twice; anyone could otherwise flood an official's mailbox from the public form.
RESET_MAILS_PER_HOUR = 3
# Services name the task they queue (portal/outbox.py); the task calls password_reset_mails.
PASSWORD_RESET_TASK = "regions.tasks.send_password_reset"


class PasswordResetIncludingInvited(PasswordResetForm):
    """The address of the account whose password is forgotten. Saving it queues the link
    (`password_reset_request`): Django's form looked the account up and sent the e-mail inside
    the request, for an address with an account only, so the time of the answer told whether
    the address had one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The portal's word, as on every other form (Django's own read 电子邮件 in Chinese).
        self.fields["email"].label = _("E-mail")

    def save(self, **_django_mail_options):
        # Django's view passes how to write the mail; the worker writes it
        # (password_reset_mails), in the language of this page.
        password_reset_request(email=self.cleaned_data["email"], language=current_language())


@transaction.atomic(durable=True)
def password_reset_request(*, email: str, language: str) -> None:
    """Queue the reset link for whoever has `email` (an invited official whose link expired
    and who has no password yet among them). The request writes one outbox row for any
    address, with an account or without; the worker looks the account up and writes the
    link. An address gets at most RESET_MAILS_PER_HOUR rows an hour; the page answers the
    same either way. `language`: the page's, which the mail is written in."""
    email = (email or "").strip()
    if not email or not _reset_mail_allowed(email):
        return
    # The row holds the address alone, never the link: the outbox is read in the admin.
    enqueue(PASSWORD_RESET_TASK, email=email, language=language)


def password_reset_mails(*, email: str, language: str) -> list[tuple[list[str], str, str]]:
    """(recipients, subject, body) of the reset link for each active account with `email`
    (one: addresses are unique without case), in `language`, the one the form was filled
    in, as when the request sent it itself. Run by the worker
    (regions.tasks.send_password_reset): the token is made when the mail is written, so
    PASSWORD_RESET_TIMEOUT counts from then."""
    language = supported_language(language) or settings.LANGUAGE_CODE
    mails = []
    for user in User.objects.filter(email__iexact=(email or "").strip(), is_active=True):
        context = {
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": account_link_tokens.make_token(user),
            "base_url": settings.PORTAL_BASE_URL,
        }
        subject, body = render_email_in(language, "regions/password_reset", context)
        mails.append(([user.email], subject, body))
    return mails


def _reset_mail_allowed(email: str) -> bool:
    key = "password-reset:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()
    try:
        if cache.add(key, 1, timeout=3600):
            return True
        return cache.incr(key) <= RESET_MAILS_PER_HOUR
    except (ValueError, *CACHE_ERRORS):
        return True  # the count expired meanwhile, or the cache is away: the mail goes


def _lock_account(actor: User, account: User, *, may=can_manage_account) -> User:
    """The account locked, if `may(actor, account)` allows the actor to change it."""
    account = User.objects.select_for_update().get(pk=account.pk)
    if not may(actor, account):
        raise NotAllowed(_("You cannot change this account."))
    return account


def api_tokens_end(user: User) -> None:
    """A new password (chosen through an e-mailed link, a reset or an invitation, or changed
    while signed in) ends the account's API tokens: whoever learnt the old password may have
    made one, and a new password is how a person takes their account back. Runs in the
    transaction that saves the password."""
    Token.objects.filter(user=user).delete()


@transaction.atomic(durable=True)
def account_deactivate(*, actor: User, account: User, reason: str, may=can_manage_account) -> User:
    """The person can no longer sign in; their API tokens stop working. Nothing they did is
    removed: the audit trail keeps their name. `may` says who may do it (the operator)."""
    reason = shown_text(reason, field="reason")
    if not reason:
        raise ValidationFailed(_("Give the reason."), field="reason", code="required")
    account = _lock_account(actor, account, may=may)
    if not account.is_active:
        raise InvalidTransition(_("This account is deactivated already."), code="inactive")
    end_account(actor=actor, account=account, reason=reason)
    return account


def end_account(*, actor: User, account: User, reason: str) -> None:
    """Inside the caller's transaction, with the account locked: it can no longer sign in,
    every session signed in so far ends for good, its API tokens stop working."""
    account.is_active = False
    account.session_generation += 1
    account.save(update_fields=["is_active", "session_generation"])
    Token.objects.filter(user=account).delete()
    if account.is_official:
        from vouchers.services.four_eyes import first_approvals_withdraw

        first_approvals_withdraw(
            actor=actor,
            official=account,
            # In English, as every reason the portal writes: the history shows it in the
            # reader's language (regions.services.SYSTEM_REASONS).
            reason=f"The official who gave it was deactivated: {reason}",
        )
    audit_record(
        actor=actor,
        obj=account,
        action=AuditEntry.Action.DEACTIVATE,
        from_status="active",
        to_status="inactive",
        reason=reason,
    )


@transaction.atomic(durable=True)
def account_reactivate(*, actor: User, account: User) -> User:
    account = _lock_account(actor, account)
    if account.is_active:
        raise InvalidTransition(_("This account is active already."), code="active")
    if account.enterprise_id and account.enterprise.closed_at is not None:
        # Closing a registration ends its accounts for good (vouchers.services.enterprise_close):
        # reactivated, an impostor's account came back to the refused registration.
        raise InvalidTransition(
            _(
                "This account belongs to a registration its district closed for good: it stays "
                "deactivated. The enterprise registers again."
            ),
            code="registration_closed",
        )
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


def can_invite_colleagues(user) -> bool:
    """An enterprise's or a provider's user adds the colleagues who work with it: the
    organisation is registered once, by its credit code, and a second person had no way in."""
    return bool(
        user
        and user.is_authenticated
        and ((user.is_enterprise and user.enterprise_id) or (user.is_provider and user.provider_id))
    )


def colleagues_of(user):
    """The accounts of the user's enterprise or provider, the user's own among them."""
    if not can_invite_colleagues(user):
        return User.objects.none()
    if user.is_enterprise:
        return User.objects.filter(role=User.Role.ENTERPRISE, enterprise_id=user.enterprise_id)
    return User.objects.filter(role=User.Role.PROVIDER, provider_id=user.provider_id)


@transaction.atomic(durable=True)
def colleague_invite(
    *, actor: User, username: str, email: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create a colleague's account for the actor's enterprise or provider, without a
    password, and e-mail the link to choose one."""
    if not can_invite_colleagues(actor):
        raise NotAllowed(_("Only an enterprise's or a provider's users add their colleagues."))
    organisation = actor.enterprise if actor.is_enterprise else actor.provider
    colleague = invited_account_create(
        username=username,
        email=email,
        role=actor.role,
        first_name=first_name,
        last_name=last_name,
        enterprise=organisation if actor.is_enterprise else None,
        provider=organisation if actor.is_provider else None,
    )
    audit_record(
        actor=actor,
        obj=colleague,
        action=AuditEntry.Action.CREATE,
        data={"role": actor.role, "invited": True, "organisation": organisation.pk},
    )
    notify_after_commit(
        recipients=[colleague.email],
        email="regions/colleague_invited",
        context=lambda: {
            "username": colleague.username,
            "organisation": organisation.display_name,
            "inviter": actor.get_full_name() or actor.username,
            "url": set_password_link(colleague),
        },
    )
    return colleague


def can_deactivate_colleague(actor: User, account: User) -> bool:
    """A colleague who left is switched off by those who stay, not by themselves; bringing an
    account back stays with the operator (who may have switched it off for a reason)."""
    return (
        can_invite_colleagues(actor)
        and account.pk != actor.pk
        and colleagues_of(actor).filter(pk=account.pk).exists()
    )


def colleague_deactivate(*, actor: User, account: User, reason: str) -> User:
    """An enterprise's or a provider's user deactivates a colleague's account, with the
    reason, as the operator deactivates one."""
    return account_deactivate(
        actor=actor, account=account, reason=reason, may=can_deactivate_colleague
    )
