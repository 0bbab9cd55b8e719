"""A provider's own details: legal representative, registered address and contact phone,
compared with the ordering enterprise's at every order (the related-party check)."""

from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import NotAllowed
from providers.models import Provider
from regions.models import AuditEntry, User
from regions.services import audit_record


@transaction.atomic(durable=True)
def provider_details_update(*, provider: Provider, actor: User, **values) -> Provider:
    from vouchers.services.related_parties import clean_party_details

    if not (actor.is_provider and actor.provider_id == provider.pk):
        raise NotAllowed(_("Only the provider's own users may change its details."))
    cleaned = clean_party_details(**values)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    before = {field: getattr(provider, field) for field in cleaned}
    changed = {field: value for field, value in cleaned.items() if before[field] != value}
    if changed:
        for field, value in changed.items():
            setattr(provider, field, value)
        provider.save(update_fields=list(changed))
        audit_record(
            actor=actor,
            obj=provider,
            action=AuditEntry.Action.RECORD,
            data={"before": {f: before[f] for f in changed}, "after": changed},
        )
    return provider
