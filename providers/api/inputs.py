"""Input shared by the providers endpoints."""

from rest_framework import serializers

MONEY = {"max_digits": 14, "decimal_places": 2}


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
