"""The lean lists (portal/lean.py) answer the very JSON their serializers give; the capped
count (portal.api.PortalPagination) is exact up to the cap, a flagged lower bound beyond."""

import pytest
from django.utils import timezone

from tests.redemptions.factories import (
    approved_redemption,
    delivered_claim,
    make_order,
    provider_user,
)
from tests.vouchers.factories import make_voucher
from vouchers.services import redemption_claim

pytestmark = pytest.mark.django_db

LEAN = [
    ("/api/vouchers/", "vouchers.api.vouchers", "VoucherViewSet", "serial"),
    ("/api/voucher-applications/", "vouchers.api.applications", "ApplicationViewSet", "id"),
    ("/api/redemptions/", "vouchers.api.redemptions", "RedemptionViewSet", "id"),
    ("/api/service-orders/", "providers.api.orders", "ServiceOrderViewSet", "id"),
    ("/api/providers/", "providers.api.certification", "ProviderViewSet", "id"),
]


@pytest.mark.parametrize(("path", "module", "view", "key"), LEAN)
def test_a_lean_list_gives_the_serializers_json(demo, api_as, path, module, view, key):
    """Each row as the viewset's serializer renders the same object, under /api/'s UTC."""
    import importlib
    import json
    from datetime import UTC

    from rest_framework.renderers import JSONRenderer

    viewset_class = getattr(importlib.import_module(module), view)
    operator = demo["users"]["operator"]
    if path == "/api/redemptions/":  # one paid (every field filled), one pending
        provider = demo["providers"]["provider-graphene"]
        approved_redemption(demo, demo["voucher"], provider, "1000.00", paid=True)
        order = make_order(demo["voucher"], provider, contract="1000.00")
        redemption_claim(
            service_order_id=order.pk, amount="250.00", actor=provider_user(demo, provider)
        )
    if path == "/api/service-orders/":  # evidence, contract, invoice, own share; and a bare one
        delivered_claim(demo)
        make_order(demo["voucher"], demo["providers"]["provider-graphene"], confirmed=False)
    rows = api_as(operator).get(path, {"page_size": 200}).json()["results"]
    assert rows, f"the demo has no rows for {path}"
    viewset = viewset_class()
    viewset.request = type("Request", (), {"user": operator})()
    objects = {getattr(o, key): o for o in viewset.get_queryset()}
    with timezone.override(UTC):
        expected = [
            json.loads(
                JSONRenderer().render(viewset_class.serializer_class(objects[row[key]]).data)
            )
            for row in rows
        ]
    assert rows == expected


def test_the_count_is_exact_below_the_cap(demo, api_as):
    body = api_as(demo["users"]["operator"]).get("/api/vouchers/").json()

    assert body["count_exact"] is True
    from vouchers.models import Voucher

    assert body["count"] == Voucher.objects.count()


def test_beyond_the_cap_the_count_is_a_flagged_lower_bound_and_pages_still_work(
    demo, api_as, monkeypatch
):
    from portal import api
    from vouchers.models import Voucher

    for _ in range(3):
        make_voucher(demo["voucher"].enterprise, "1000.00")
    total = Voucher.objects.count()
    monkeypatch.setattr(api, "COUNT_CAP", 1)
    client = api_as(demo["users"]["operator"])

    first = client.get("/api/vouchers/?page_size=1").json()
    assert (first["count"], first["count_exact"]) == (1, False)
    assert first["next"] is not None
    # A page past the cap: counted to its end, served, with its neighbours' links.
    third = client.get("/api/vouchers/?page_size=1&page=3").json()
    assert len(third["results"]) == 1
    assert third["previous"] is not None
    assert third["count"] >= 3
    # `last` counts every row.
    last = client.get("/api/vouchers/?page_size=1&page=last").json()
    assert (last["count"], last["count_exact"], last["next"]) == (total, True, None)


def test_a_lean_list_reads_its_page_and_count_in_one_query(
    demo, api_as, monkeypatch, django_assert_num_queries
):
    """The capped count rides in the page's query: one query whatever the page; a page past
    the last is still a 404 and an empty list a count of 0."""
    from portal import api

    for _ in range(3):
        make_voucher(demo["voucher"].enterprise, "1000.00")
    monkeypatch.setattr(api, "COUNT_CAP", 2)
    client = api_as(demo["users"]["operator"])
    client.get("/api/vouchers/?page_size=1")  # the token's user is cached from here

    with django_assert_num_queries(1):
        second = client.get("/api/vouchers/?page_size=1&page=2").json()
    assert (len(second["results"]), second["count"], second["count_exact"]) == (1, 2, False)
    assert second["next"] is not None and second["previous"] is not None
    assert client.get("/api/vouchers/?page_size=1&page=999").status_code == 404
    with django_assert_num_queries(1):
        empty = client.get("/api/vouchers/?enterprise=0").json()
    assert (empty["count"], empty["count_exact"], empty["results"]) == (0, True, [])


def test_a_serializer_built_once_answers_as_a_new_one(demo):
    """portal.api.represent: the claim's answer, from a serializer shared by every request."""
    from datetime import UTC

    from django.utils import timezone

    from portal.api import represent
    from vouchers.api.redemptions import RedemptionSerializer
    from vouchers.models import Redemption

    provider = demo["providers"]["provider-graphene"]
    approved_redemption(demo, demo["voucher"], provider, "1000.00", paid=True)  # every field
    delivered_claim(demo, "500.00")  # pending
    redemptions = list(Redemption.objects.all())
    assert len(redemptions) == 2
    with timezone.override(UTC):
        for redemption in redemptions:
            assert represent(RedemptionSerializer, redemption) == dict(
                RedemptionSerializer(redemption).data
            )


def test_represent_builds_the_serializer_once_per_class(demo):
    """The point of `represent`: the fields are built for the first answer only (a decorator
    that slid off `_built_serializer` once made every claim build them again)."""
    from rest_framework import serializers

    from portal.api import represent
    from vouchers.api.redemptions import RedemptionSerializer
    from vouchers.models import Redemption

    delivered_claim(demo, "500.00")
    redemption = Redemption.objects.get()
    built = []
    original = serializers.ModelSerializer.get_fields

    def counting(self):
        built.append(type(self))
        return original(self)

    serializers.ModelSerializer.get_fields = counting
    try:
        for _ in range(3):
            represent(RedemptionSerializer, redemption)
    finally:
        serializers.ModelSerializer.get_fields = original
    assert built.count(RedemptionSerializer) <= 1
