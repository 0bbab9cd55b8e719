"""The whole voucher story, in the browser's pages, for one enterprise of each district."""

from decimal import Decimal

import pytest

from regions.selectors import current_year
from vouchers.models import Voucher, VoucherApplication

pytestmark = pytest.mark.django_db

DISTRICTS = [
    ("enterprise-jiangnan", "official-wujin", "WJ"),
    ("enterprise-yangpu", "official-yangpu", "YP"),
    ("enterprise-nanhu", "official-nanhu", "NH"),
    ("enterprise-hefei", "official-hefei", "HF"),
]


@pytest.mark.parametrize("enterprise_user, official_user, prefix", DISTRICTS)
def test_apply_approve_download(
    client, demo, enterprise_user, official_user, prefix, django_capture_on_commit_callbacks
):
    client.force_login(demo["users"][enterprise_user])
    response = client.post(
        "/applications/new/",
        {"requested_amount": "60000.00", "purpose": "Prototype testing", "service_category": 2},
    )
    assert response.status_code == 302, response.context["form"].errors
    application = VoucherApplication.objects.get(
        enterprise__users__username=enterprise_user, status="submitted"
    )

    client.force_login(demo["users"][official_user])
    queue = client.get("/official/applications/")
    assert application in queue.context["applications"]
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            f"/applications/{application.pk}/approve/",
            {"approved_amount": "50000.00", "note": "Approved in the pilot"},
        )
    assert decided.status_code == 302
    voucher = Voucher.objects.get(application=application)
    assert voucher.serial.startswith(f"{prefix}-{current_year()}-")
    assert voucher.face_value == Decimal("50000.00")
    assert voucher.certificate_pdf

    client.force_login(demo["users"][enterprise_user])
    dashboard = client.get("/enterprise/")
    assert voucher in dashboard.context["vouchers"]
    certificate = client.get(f"/vouchers/{voucher.serial}/certificate/")
    assert certificate.status_code == 200
    assert b"".join(certificate.streaming_content).startswith(b"%PDF")
    assert client.get(f"/verify/{voucher.serial}/").status_code == 200
