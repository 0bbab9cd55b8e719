"""Idempotency-Key on the real endpoints that create money: applications and approvals."""

import pytest
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db


def require(path):
    try:
        resolve(path)
    except Resolver404:
        pytest.skip(f"{path} is not there yet")


@pytest.fixture
def enterprise(api_as, demo):
    require("/api/voucher-applications/")
    return api_as(demo["users"]["enterprise-yangpu"])


def apply(client, key, amount="80000.00"):
    return client.post(
        "/api/voucher-applications/",
        {"requested_amount": amount, "purpose": "Prototype testing of a sensor housing"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_it_creates_one_application_for_a_retried_post(enterprise):
    from vouchers.models import VoucherApplication

    before = VoucherApplication.objects.count()
    first = apply(enterprise, "apply-1")
    retry = apply(enterprise, "apply-1")

    assert first.status_code == 201, first.content
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert VoucherApplication.objects.count() == before + 1


def test_it_refuses_the_key_for_another_amount(enterprise):
    from vouchers.models import VoucherApplication

    apply(enterprise, "apply-1")
    before = VoucherApplication.objects.count()
    response = apply(enterprise, "apply-1", amount="90000.00")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert VoucherApplication.objects.count() == before


def test_it_issues_one_voucher_for_a_retried_approval(enterprise, api_as, demo):
    from regions.models import ProgrammeRules
    from vouchers.models import Voucher, VoucherApplication

    application = apply(enterprise, "apply-1").json()
    path = f"/api/voucher-applications/{application['id']}/approve/"
    require(path)
    official = api_as(demo["users"]["official-yangpu"])
    year = VoucherApplication.objects.get(pk=application["id"]).year
    rules = ProgrammeRules.objects.get(region__code="YANGPU", year=year)
    committed = rules.committed

    def approve():
        return official.post(
            path,
            {"approved_amount": "60000.00", "note": "ok"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="approve-1",
        )

    first = approve()
    retry = approve()

    assert first.status_code == 200, first.content
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Voucher.objects.filter(application_id=application["id"]).count() == 1
    rules.refresh_from_db()
    assert rules.committed == committed + 60000
