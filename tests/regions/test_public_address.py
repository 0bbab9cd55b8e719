"""Everything that leaves the portal (certificate PDFs and their QR links, e-mails) points at
the configured public address PORTAL_BASE_URL, never at the request's host."""

import re

import pytest
from django.core import mail

from portal.links import portal_url
from tests.providers.conftest import pdf_upload

pytestmark = pytest.mark.django_db

PUBLIC = "https://vouchers.example.gov.cn"


@pytest.fixture
def public_address(settings):
    settings.PORTAL_BASE_URL = PUBLIC + "/"  # a trailing slash is tolerated
    return PUBLIC


def test_portal_url_joins_the_setting_and_the_path(public_address):
    assert portal_url("verify", "WJ-2026-000001-7") == f"{PUBLIC}/verify/WJ-2026-000001-7/"
    assert portal_url("order-detail", 12) == f"{PUBLIC}/orders/12/"


def test_a_voucher_certificate_links_to_the_public_address(
    public_address, demo, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from vouchers.models import Voucher
    from vouchers.services import application_approve, application_submit

    applicant = demo["users"]["enterprise-jiangnan"]
    application = application_submit(
        enterprise=applicant.enterprise,
        requested_amount=Decimal("10000.00"),
        purpose="Tests",
        actor=applicant,
    )
    with django_capture_on_commit_callbacks(execute=True):
        application_approve(
            application=application,
            actor=demo["users"]["official-wujin"],
            approved_amount=Decimal("10000.00"),
        )
    voucher = Voucher.objects.get(application=application)
    with voucher.certificate_pdf.open("rb") as pdf:
        data = pdf.read()
    assert f"/URI ({PUBLIC}/verify/{voucher.serial}/)".encode() in data
    assert b"127.0.0.1" not in data and b"testserver" not in data
    # The issuing e-mail links to the voucher on the public address too.
    issued = [m for m in mail.outbox if voucher.serial in m.body]
    assert issued and f"{PUBLIC}/vouchers/{voucher.serial}/" in issued[-1].body


def test_a_provider_certificate_links_to_the_public_address(public_address, demo):
    from providers.models import ProviderCertificate
    from providers.services import certificate_render_pdf

    certificate = ProviderCertificate.objects.order_by("id").first()
    # The demo's certificates are drawn as they are seeded, under the default address: this
    # one is drawn again under the public one.
    ProviderCertificate.objects.filter(pk=certificate.pk).update(pdf="")
    certificate = certificate_render_pdf(certificate_id=certificate.pk)
    with certificate.pdf.open("rb") as pdf:
        data = pdf.read()
    assert f"/URI ({PUBLIC}/verify/{certificate.serial}/)".encode() in data


def test_order_e_mails_link_to_the_public_address(
    public_address, demo, django_capture_on_commit_callbacks
):
    from providers import services

    order = demo["order"]
    with django_capture_on_commit_callbacks(execute=True):
        services.order_accept(order=order, actor=demo["users"]["provider-sit"])
        services.order_complete(
            order=order,
            actor=demo["users"]["provider-sit"],
            summary="Done.",
            evidence=[pdf_upload()],
        )
    links = {u for m in mail.outbox for u in re.findall(r"https?://\S+", m.body)}
    assert f"{PUBLIC}/orders/{order.pk}/" in links
    assert all(u.startswith(PUBLIC) for u in links), links


def test_the_demo_target_sets_the_public_address_to_where_it_serves():
    from tests.conftest import ROOT

    makefile = (ROOT / "Makefile").read_text()
    assert "demo: export PORTAL_BASE_URL = http://$(HOST)" in makefile
