"""The seed story started from a demand, through the API only: the Wujin graphene company's
powder-process demand, two proposals, the Yangpu institute's accepted; the order is
delivered, papered, claimed, approved, paid and settled between Wujin and Yangpu; the open
statistics then show the demand resolved and the cross-region flow."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from providers.models import Demand, Proposal
from regions.selectors import current_year
from tests.providers.conftest import pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_a_demand_becomes_an_order_a_redemption_a_settlement_and_a_statistic(
    demo, api_as, api_client, django_capture_on_commit_callbacks
):
    cache.clear()
    users = demo["users"]
    enterprise = api_as(users["enterprise-jiangnan"])
    sit = api_as(users["provider-sit"])
    wujin = api_as(users["official-wujin"])
    yangpu = api_as(users["official-yangpu"])
    operator = api_as(users["operator"])
    year = current_year()
    before = ok(api_client.get(f"/api/statistics/?year={year}"))

    demand = Demand.objects.get(enterprise__users__username="enterprise-jiangnan", status="open")
    proposals = ok(enterprise.get(f"/api/demands/{demand.pk}/proposals/"))
    assert proposals["count"] == 2
    proposals = proposals["results"]
    chosen = Proposal.objects.get(demand=demand, provider__users__username="provider-sit")

    with django_capture_on_commit_callbacks(execute=True):
        accepted = ok(enterprise.post(f"/api/proposals/{chosen.pk}/accept/", {}, "json"), 201)
    order_url = f"/api/service-orders/{accepted['service_order']}/"
    order = ok(enterprise.get(order_url))
    assert Decimal(order["contract_amount"]) == chosen.price
    demand.refresh_from_db()
    assert demand.status == "awarded"

    with django_capture_on_commit_callbacks(execute=True):
        ok(sit.post(order_url + "accept/", {}, "json"))
        ok(
            sit.post(
                order_url + "complete/",
                {"summary": "Dispersion process delivered.", "evidence": [pdf_upload()]},
                format="multipart",
            )
        )
        ok(enterprise.post(order_url + "confirm/", {}, "json"))
        ok(
            enterprise.post(
                order_url + "documents/",
                {"kind": "contract", "file": pdf_upload("contract.pdf")},
                format="multipart",
            ),
            201,
        )
        ok(
            sit.post(
                order_url + "documents/",
                {
                    "kind": "invoice",
                    "file": pdf_upload("invoice.pdf"),
                    "invoice_code": "031001900111",
                    "invoice_number": "20260001",
                },
                format="multipart",
            ),
            201,
        )
    voucher_share = (chosen.price * Decimal("0.5")).quantize(Decimal("0.01"))
    balance = Decimal(ok(enterprise.get(f"/api/vouchers/{order['voucher']}/"))["balance"])
    claim = min(voucher_share, balance)
    with django_capture_on_commit_callbacks(execute=True):
        recorded = enterprise.post(
            order_url + "own-share/",
            {"amount": str(chosen.price - voucher_share), "payment_reference": "BANK-77"},
            "json",
        )
        assert recorded.status_code in (200, 201), recorded.content
        ok(sit.post(order_url + "own-share/confirm/", {}, "json"))
        redemption = ok(
            sit.post(
                "/api/redemptions/",
                {"service_order": accepted["service_order"], "amount": str(claim)},
                "json",
            ),
            201,
        )
    assert redemption["cross_region"] is True
    assert (redemption["issuing_region"], redemption["provider_region"]) == ("WUJIN", "YANGPU")

    # Whatever the integrity checks flagged on this enterprise's orders with the institute
    # is cleared by the issuing district's official, with a reason, before approving.
    flags = ok(wujin.get(f"/api/risk-flags/?open=true&service_order={accepted['service_order']}"))
    for flag in flags["results"] if isinstance(flags, dict) else flags:
        ok(wujin.post(f"/api/risk-flags/{flag['id']}/clear/", {"reason": "Checked."}, "json"))
    with django_capture_on_commit_callbacks(execute=True):
        approved = wujin.post(f"/api/redemptions/{redemption['id']}/approve/", {}, "json")
        if approved.status_code == 202:  # four eyes: a second official of Wujin approves
            approved = api_as(users["official-wujin-2"]).post(
                f"/api/redemptions/{redemption['id']}/approve/", {}, "json"
            )
        assert approved.status_code == 200, approved.content
        ok(
            yangpu.post(
                f"/api/redemptions/{redemption['id']}/mark-paid/",
                {"payment_reference": "YP-2026-1"},
                "json",
            )
        )
        batch = ok(operator.post("/api/settlement-batches/", {}, "json"), 202)
    batch = ok(operator.get(f"/api/settlement-batches/{batch['id']}/"))
    owed = {(o["from_region"], o["to_region"]): Decimal(o["amount"]) for o in batch["obligations"]}
    assert owed[("WUJIN", "YANGPU")] >= claim
    assert (
        ok(enterprise.get(f"/api/redemptions/{redemption['id']}/"))["settlement_batch"]
        == (batch["id"])
    )

    after = ok(api_client.get(f"/api/statistics/?year={year}"))
    assert after["demands"]["resolved"] == before["demands"]["resolved"] + 1
    assert after["cross_region"]["count"] == before["cross_region"]["count"] + 1
    assert Decimal(after["cross_region"]["amount"]) == (
        Decimal(before["cross_region"]["amount"]) + claim
    )
    flows = {(f["from_region"], f["to_region"]): f for f in after["flows"]}
    assert Decimal(flows[("WUJIN", "YANGPU")]["amount"]) >= claim
