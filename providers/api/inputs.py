"""Input shared by the providers endpoints."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from portal.api import TextField
from providers import selectors

MONEY = {"max_digits": 14, "decimal_places": 2}


class ReasonSerializer(serializers.Serializer):
    reason = TextField(required=False, allow_blank=True, max_length=2000)


def own_voucher(user, serial: str):
    """The enterprise's voucher of this serial. One that is not its own (unknown, or another
    enterprise's: which, is not ours to say) is refused beside the field, as a bad provider or
    service id is; a 404 on a collection's POST read as a missing endpoint."""
    voucher = selectors.enterprise_voucher(user, serial)
    if voucher is None:
        raise serializers.ValidationError({"voucher": [_("You have no voucher with this serial.")]})
    return voucher
