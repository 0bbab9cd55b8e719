"""The pilot's first cross-region order, end to end: the Wujin graphene company finds the
Shanghai Institute of Technology, orders the process optimisation with its voucher, the
institute accepts and logs completion with a PDF report, and the enterprise confirms."""

import pytest

from providers.models import EvidenceFile, ServiceOrder
from tests.providers.conftest import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

TITLE = "Graphene powder preparation process optimization technology research"


def test_it_tells_the_seed_story_through_the_api(api_as, demo, users):
    enterprise = api_as(users["enterprise-jiangnan"])
    found = enterprise.get("/api/providers/", {"search": "Shanghai"}).json()
    assert [p["name"] for p in found["results"]] == ["Shanghai Institute of Technology"]
    sit = found["results"][0]
    assert sit["region"] == "YANGPU" and sit["status"] == "certified"

    created = enterprise.post(
        "/api/service-orders/",
        {
            "provider": sit["id"],
            "voucher": demo["voucher"].serial,
            "title": TITLE,
            "contract_amount": "300000.00",
            "description": "Optimise ball-milling and exfoliation.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    order = created.json()
    assert order["status"] == "requested"
    assert order["voucher"] == demo["voucher"].serial
    assert order["contract_amount"] == "300000.00"

    provider = api_as(users["provider-sit"])
    assert provider.post(f"/api/service-orders/{order['id']}/accept/").json()["status"] == (
        "accepted"
    )
    completed = provider.post(
        f"/api/service-orders/{order['id']}/complete/",
        {
            "summary": "Optimised milling time and solvent ratio; yield up 18%.",
            "deliverables": "Process report; 200 g sample powder",
            "evidence": [pdf_upload("process-report.pdf")],
        },
        format="multipart",
    )
    assert completed.status_code == 200, completed.json()
    body = completed.json()
    assert body["status"] == "completed"
    assert [e["name"] for e in body["evidence"]] == ["process-report.pdf"]

    download = enterprise.get(body["evidence"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES

    confirmed = enterprise.post(f"/api/service-orders/{order['id']}/confirm/")
    assert confirmed.status_code == 200
    row = ServiceOrder.objects.get(pk=order["id"])
    assert row.status == ServiceOrder.Status.CONFIRMED
    assert row.confirmed_at is not None
    assert EvidenceFile.objects.filter(order=row).count() == 1


def test_it_tells_the_seed_story_through_the_pages(client, demo, users, sit):
    seed_order = demo["order"]
    assert seed_order.title == TITLE and seed_order.status == "requested"

    client.force_login(users["enterprise-jiangnan"])
    directory = client.get("/providers/", {"q": "Shanghai"})
    assert directory.status_code == 200
    assert "Shanghai Institute of Technology" in directory.content.decode()
    assert "Jiangnan Graphene" not in directory.content.decode()

    profile = client.get(f"/providers/{sit.pk}/")
    assert f"/orders/new/?provider={sit.pk}" in profile.content.decode()
    form = client.get(f"/orders/new/?provider={sit.pk}")
    assert form.status_code == 200
    assert demo["voucher"].serial in form.content.decode()
    response = client.post(
        "/orders/new/",
        {
            "provider": sit.pk,
            "voucher": demo["voucher"].serial,
            "title": TITLE,
            "contract_amount": "300000.00",
            "description": "Second phase.",
        },
    )
    order = ServiceOrder.objects.exclude(pk=seed_order.pk).get(title=TITLE)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"

    client.force_login(users["provider-sit"])
    dashboard = client.get("/provider/")
    assert TITLE in dashboard.content.decode()
    assert client.post(f"/orders/{order.pk}/accept/").status_code == 302
    response = client.post(
        f"/orders/{order.pk}/complete/",
        {
            "summary": "Delivered the optimised process.",
            "deliverables": "Report",
            "evidence": [pdf_upload("report.pdf")],
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "completed"
    evidence = order.evidence.get()

    client.force_login(users["enterprise-jiangnan"])
    detail = client.get(f"/orders/{order.pk}/")
    assert f"/orders/{order.pk}/evidence/{evidence.pk}/" in detail.content.decode()
    assert "Confirm delivery" in detail.content.decode()
    file = client.get(f"/orders/{order.pk}/evidence/{evidence.pk}/")
    assert b"".join(file.streaming_content).startswith(b"%PDF-1.4")
    assert client.post(f"/orders/{order.pk}/confirm/").status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    actions = [e.action for e in order_audit(order)]
    # A second ¥300,000 order with the same institute: what the voucher would pay for the
    # two (¥300,000) passes the demo's four-eyes threshold (¥200,000) that each stays below,
    # so ordering raised a split-contract flag for the official to clear.
    assert actions == ["request", "flag", "accept", "complete", "confirm"]
    assert order.risk_flags.get().kind == "split_contract"


def test_it_moves_the_seeded_requested_order_too(api_as, demo, users):
    order = demo["order"]
    provider = api_as(users["provider-sit"])
    assert provider.post(f"/api/service-orders/{order.pk}/accept/").status_code == 200
    response = provider.post(
        f"/api/service-orders/{order.pk}/complete/",
        {"summary": "Done", "evidence": [pdf_upload()]},
        format="multipart",
    )
    assert response.status_code == 200
    confirmed = api_as(users["enterprise-jiangnan"]).post(
        f"/api/service-orders/{order.pk}/confirm/"
    )
    assert confirmed.json()["status"] == "confirmed"


def order_audit(order):
    from regions.services import audit_trail_for

    return list(audit_trail_for(order))


def test_the_demos_provider_certificates_are_drawn(demo):
    """Created without their PDF, the reconciliation reported them as a breach half an hour
    after seeding (and a long test run's reconciliation with them)."""
    from providers.models import ProviderCertificate

    certificates = ProviderCertificate.objects.all()
    assert certificates.exists()
    assert not certificates.filter(pdf="").exists()
