"""The operator keeps the expert and technology-manager libraries: adds and edits profiles,
withdraws one from its library with a reason (and lists it again), and gives a profile an
account so that its person signs in (an expert to review and advise, a manager to broker).

Each write is one transaction, audited on the profile (and on the account it creates)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.notifications import notify_after_commit
from portal.security import shown_text, written_text
from providers.models import Expert, Provider, TechnologyManager
from regions.accounts import invited_account_create, set_password_link
from regions.models import AuditEntry, User
from regions.services import audit_record

EXPERT_TEXTS = ("name", "name_zh", "field", "titles", "organisation", "bio")
MANAGER_TEXTS = ("name", "name_zh", "organisation")


def can_keep_libraries(user) -> bool:
    return bool(user and user.is_authenticated and user.is_operator)


def _check_keeper(actor: User) -> None:
    if not can_keep_libraries(actor):
        raise NotAllowed(
            _("Only the programme operator keeps the expert and technology-manager libraries.")
        )


# An expert's profile is published on its page and through the API: a short biography.
BIO_MAX = 4000


def _texts(values: dict, names: tuple[str, ...], *, required: tuple[str, ...]) -> dict:
    """The profile's texts as readers will see them; a required one that shows nothing is
    refused on its field, the biography beyond BIO_MAX characters too."""
    cleaned = {name: shown_text(values.get(name), field=name) for name in names}
    if "bio" in cleaned:
        cleaned["bio"] = written_text(cleaned["bio"], field="bio", limit=BIO_MAX, required=False)
    for name in required:
        if not cleaned[name]:
            raise ValidationFailed(_("This field is required."), field=name)
    return cleaned


def _contact_email(value: str | None) -> str:
    email = (value or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as error:
            raise ValidationFailed(
                _("Enter a valid e-mail address."), field="contact_email"
            ) from error
    return email


def _changes(profile, cleaned: dict) -> dict:
    """What an edit changes, for the audit entry: field -> new value."""
    return {
        key: str(getattr(value, "pk", value))
        for key, value in cleaned.items()
        if getattr(profile, key) != value
    }


def _profile_save(*, actor: User, model, profile, cleaned: dict, many_name: str, many):
    """Create a profile of `model` (`profile` None) or change the locked row, with its
    many-to-many `many_name` (categories, districts served) set to `many`; audited, an edit
    with what it changed."""
    many = list(many)
    if profile is None:
        profile = model.objects.create(**cleaned)
        getattr(profile, many_name).set(many)
        audit_record(
            actor=actor, obj=profile, action=AuditEntry.Action.CREATE, data={"name": profile.name}
        )
        return profile
    profile = model.objects.select_for_update().get(pk=profile.pk)
    changes = _changes(profile, cleaned)
    before = set(getattr(profile, many_name).values_list("pk", flat=True))
    if before != {row.pk for row in many}:
        changes[many_name] = ", ".join(sorted(row.code for row in many))
    for key, value in cleaned.items():
        setattr(profile, key, value)
    profile.save()
    getattr(profile, many_name).set(many)
    audit_record(actor=actor, obj=profile, action=AuditEntry.Action.UPDATE, data=changes)
    return profile


@transaction.atomic(durable=True)
def expert_save(
    *, actor: User, expert: Expert | None = None, region, categories=(), provider=None, **values
) -> Expert:
    """Add an expert to the library (`expert` None) or change one; `values` are the texts
    (EXPERT_TEXTS) and `contact_email`."""
    _check_keeper(actor)
    cleaned = _texts(values, EXPERT_TEXTS, required=("name", "field"))
    cleaned["contact_email"] = _contact_email(values.get("contact_email"))
    if region is None:
        raise ValidationFailed(_("Choose the expert's district."), field="region")
    if provider is not None and provider.status != Provider.Status.CERTIFIED:
        # Named on the profile as the provider the expert works with, and so on proposals.
        raise ValidationFailed(_("Choose a certified provider."), field="provider")
    cleaned.update(region=region, provider=provider)
    return _profile_save(
        actor=actor, model=Expert, profile=expert, cleaned=cleaned,
        many_name="categories", many=categories,
    )  # fmt: skip


@transaction.atomic(durable=True)
def manager_save(
    *,
    actor: User,
    manager: TechnologyManager | None = None,
    certification_level: str,
    regions_served=(),
    **values,
) -> TechnologyManager:
    """Add a technology manager to the library (`manager` None) or change one; `values` are
    the texts (MANAGER_TEXTS) and `contact_email`."""
    _check_keeper(actor)
    cleaned = _texts(values, MANAGER_TEXTS, required=("name",))
    cleaned["contact_email"] = _contact_email(values.get("contact_email"))
    if certification_level not in TechnologyManager.Level.values:
        raise ValidationFailed(
            _("Choose the manager's certification level."), field="certification_level"
        )
    cleaned["certification_level"] = certification_level
    regions_served = list(regions_served)
    if not regions_served:
        # A manager serving no district could be asked by no enterprise.
        raise ValidationFailed(
            _("Choose at least one district the manager serves."), field="regions_served"
        )
    return _profile_save(
        actor=actor, model=TechnologyManager, profile=manager, cleaned=cleaned,
        many_name="regions_served", many=regions_served,
    )  # fmt: skip


@transaction.atomic(durable=True)
def library_listing_set(
    *, actor: User, profile: Expert | TechnologyManager, listed: bool, reason: str = ""
) -> Expert | TechnologyManager:
    """Withdraw a profile from its library (with the reason: it leaves the pages, the API and
    matching, and takes no request) or list it again. What it did stays on the reviews and
    demands it took part in."""
    _check_keeper(actor)
    profile = type(profile).objects.select_for_update().get(pk=profile.pk)
    reason = shown_text(reason, field="reason")
    if profile.active == listed:
        raise InvalidTransition(
            _("This profile is listed already.")
            if listed
            else _("This profile is withdrawn already."),
            code="listing_unchanged",
        )
    if not listed and not reason:
        raise ValidationFailed(_("Give the reason for withdrawing the profile."), field="reason")
    profile.active = listed
    profile.save(update_fields=["active"])
    audit_record(
        actor=actor,
        obj=profile,
        action=AuditEntry.Action.REINSTATE if listed else AuditEntry.Action.WITHDRAW,
        reason=reason,
    )
    return profile


@transaction.atomic(durable=True)
def library_account_invite(
    *, actor: User, profile: Expert | TechnologyManager, username: str, email: str
) -> User:
    """Give a profile without an account one: the person chooses a password from the
    e-mailed link and signs in as an expert (their assignments) or a technology manager
    (the demands to broker)."""
    _check_keeper(actor)
    profile = type(profile).objects.select_for_update().get(pk=profile.pk)
    if profile.user_id is not None:
        raise InvalidTransition(
            _("This profile has an account already: %(username)s.")
            % {"username": profile.user.username},
            code="has_account",
        )
    role = User.Role.EXPERT if isinstance(profile, Expert) else User.Role.MANAGER
    account = invited_account_create(
        username=username, email=email, role=role, first_name=profile.name
    )
    profile.user = account
    profile.save(update_fields=["user"])
    audit_record(
        actor=actor,
        obj=account,
        action=AuditEntry.Action.CREATE,
        data={"role": role, "invited": True, "profile": profile.pk},
    )
    notify_after_commit(
        recipients=[account.email],
        email="providers/library_account_invited",
        context=lambda: {
            "username": account.username,
            "role": account.get_role_display(),
            # The operator's account often has no name: "operator invited you" read as a
            # user name, not a person.
            "inviter": actor.get_full_name()
            or (_("The programme operator") if actor.is_operator else actor.username),
            "url": set_password_link(account),
        },
    )
    return account
