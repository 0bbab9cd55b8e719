"""A provider's own details: legal representative, registered address and contact phone,
compared with the ordering enterprise's at every order (the related-party check)."""

from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import NotAllowed
from providers.models import Provider
from regions.models import User


@transaction.atomic(durable=True)
def provider_details_update(*, provider: Provider, actor: User, **values) -> Provider:
    from vouchers.services.related_parties import party_details_record

    if not (actor.is_provider and actor.provider_id == provider.pk):
        raise NotAllowed(_("Only the provider's own users may change its details."))
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    return party_details_record(party=provider, actor=actor, values=values)
