"""Who may call what: for each endpoint, the role allowed, a role that may never do it (403)
and a user of the right role outside the object's scope (404, so ids leak nothing)."""

from decimal import Decimal

import pytest

from providers.models import ServiceOrder
from tests.paperwork import complete_paperwork
from vouchers.services import redemption_claim

pytestmark = pytest.mark.django_db


def _confirmed_order_with_claim(demo):
    order = demo["order"]
    ServiceOrder.objects.filter(pk=order.pk).update(status=ServiceOrder.Status.CONFIRMED)
    complete_paperwork(order)
    return redemption_claim(
        service_order_id=order.pk, amount=Decimal("1000.00"), actor=demo["users"]["provider-sit"]
    )


def _objects(demo):
    voucher, order = demo["voucher"], demo["order"]
    return {
        "voucher": voucher.serial,
        "application": voucher.application_id,
        "order": order.pk,
        "enterprise": voucher.enterprise_id,
        "provider": order.provider_id,
    }


READS = [
    # path template, allowed users, users who get 404
    (
        "/api/vouchers/{voucher}/",
        ["enterprise-jiangnan", "official-wujin", "operator"],
        ["enterprise-yangpu", "official-yangpu", "provider-graphene"],
    ),
    (
        "/api/voucher-applications/{application}/",
        ["enterprise-jiangnan", "official-wujin", "operator"],
        ["enterprise-hefei", "official-nanhu"],
    ),
    (
        "/api/enterprises/{enterprise}/",
        ["enterprise-jiangnan", "official-wujin", "operator"],
        ["enterprise-yangpu", "official-hefei"],
    ),
    (
        "/api/service-orders/{order}/",
        ["enterprise-jiangnan", "provider-sit", "operator"],
        ["enterprise-nanhu", "provider-graphene", "provider-ustc"],
    ),
]


@pytest.mark.parametrize(("path", "allowed", "outsiders"), READS)
def test_reads_are_scoped(api_as, demo, path, allowed, outsiders):
    url = path.format(**_objects(demo))
    for username in allowed:
        assert api_as(demo["users"][username]).get(url).status_code == 200, username
    for username in outsiders:
        assert api_as(demo["users"][username]).get(url).status_code == 404, username


ACTIONS = [
    # path template, body, a role that may never do it (403), an outsider of the right role (404)
    (
        "/api/voucher-applications/{application}/approve/",
        {},
        "enterprise-jiangnan",
        "official-yangpu",
    ),
    (
        "/api/voucher-applications/{application}/reject/",
        {"note": "no"},
        "enterprise-jiangnan",
        "official-nanhu",
    ),
    (
        "/api/vouchers/{voucher}/revoke/",
        {"reason": "fraud"},
        "enterprise-jiangnan",
        "official-hefei",
    ),
    (
        "/api/providers/{provider}/suspend/",
        {"reason": "audit"},
        "enterprise-jiangnan",
        "official-wujin",
    ),
    ("/api/service-orders/{order}/accept/", {}, "enterprise-jiangnan", "provider-graphene"),
    ("/api/service-orders/{order}/cancel/", {}, "official-wujin", "enterprise-yangpu"),
]


@pytest.mark.parametrize(("path", "body", "forbidden", "outsider"), ACTIONS)
def test_actions_refuse_wrong_roles_and_outsiders(api_as, demo, path, body, forbidden, outsider):
    url = path.format(**_objects(demo))
    assert api_as(demo["users"][forbidden]).post(url, body, format="json").status_code == 403
    assert api_as(demo["users"][outsider]).post(url, body, format="json").status_code == 404


def test_redemption_actions_are_scoped(api_as, demo):
    redemption = _confirmed_order_with_claim(demo)
    approve = f"/api/redemptions/{redemption.pk}/approve/"
    assert api_as(demo["users"]["provider-sit"]).post(approve).status_code == 403
    assert api_as(demo["users"]["official-nanhu"]).post(approve).status_code == 404
    assert api_as(demo["users"]["official-wujin"]).post(approve).status_code == 200
    paid = f"/api/redemptions/{redemption.pk}/mark-paid/"
    body = {"payment_reference": "YP-1"}
    # The issuing district does not pay the provider (it sees the claim: 403, not 404); the
    # provider's district does.
    assert (
        api_as(demo["users"]["official-wujin"]).post(paid, body, format="json").status_code == 403
    )
    assert (
        api_as(demo["users"]["official-yangpu"]).post(paid, body, format="json").status_code == 200
    )


def test_only_the_operator_creates_settlement_batches(api_as, demo):
    for username in ["official-wujin", "enterprise-jiangnan", "provider-sit"]:
        assert (
            api_as(demo["users"][username])
            .post("/api/settlement-batches/", {}, format="json")
            .status_code
            == 403
        )
    assert (
        api_as(demo["users"]["operator"])
        .post("/api/settlement-batches/", {}, format="json")
        .status_code
        == 202
    )


def test_the_rightful_official_decides(api_as, demo):
    url = "/api/voucher-applications/{application}/reject/".format(**_objects(demo))
    # The seed application is already decided: the right official gets the conflict, not 403/404.
    assert (
        api_as(demo["users"]["official-wujin"])
        .post(url, {"note": "late"}, format="json")
        .status_code
        == 409
    )


def test_anonymous_callers_must_log_in(api_client, demo):
    for url in [
        "/api/vouchers/",
        "/api/service-orders/",
        "/api/redemptions/",
        "/api/settlement-batches/",
    ]:
        assert api_client.get(url).status_code == 401, url
