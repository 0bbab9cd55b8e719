"""The API's text fields take JSON strings alone. DRF's took a number and stored Python's
spelling of it: `{"payment_reference": 1e30}` paid a claim, irreversibly, under "1e+30",
and a notice's title became "123"; money fields refuse numbers already."""

import pytest

from regions.models import Notice
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reference", [1e30, 123, True, ["HB-1"], {"ref": "HB-1"}])
def test_a_payment_reference_that_is_not_a_string_pays_nothing(
    api_as, demo, sit, yangpu, reference
):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    claim = approved_redemption(demo, voucher, sit, "800.00")

    response = api_as(yangpu).post(
        f"/api/redemptions/{claim.pk}/mark-paid/",
        {"payment_reference": reference},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400, response.content
    assert response.json()["payment_reference"] == ["Not a valid string."]
    claim.refresh_from_db()
    assert claim.status == Redemption.Status.APPROVED and claim.payment_reference == ""


def test_a_notice_title_that_is_a_number_is_refused_in_the_readers_language(api_as, demo):
    """The model's own fields (a ModelSerializer's) too."""
    official = demo["users"]["official-wujin"]
    notice = Notice.objects.create(
        kind="news",
        region=demo["regions"]["WUJIN"],
        title="Open day",
        body="Come.",
        published_by=official,
    )

    english = api_as(official).patch(f"/api/notices/{notice.pk}/", {"title": 123}, format="json")
    chinese = api_as(official).post(
        "/api/notices/",
        {"kind": "news", "title": 2026, "body": "Come."},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert english.status_code == 400 and english.json()["title"] == ["Not a valid string."]
    assert chinese.status_code == 400 and chinese.json()["title"] == ["不是有效的字符串。"]
    notice.refresh_from_db()
    assert notice.title == "Open day"
    assert Notice.objects.filter(title="2026").count() == 0


def test_a_string_is_taken_as_before(api_as, demo, sit, yangpu):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    claim = approved_redemption(demo, voucher, sit, "800.00")

    response = api_as(yangpu).post(
        f"/api/redemptions/{claim.pk}/mark-paid/", {"payment_reference": "123"}, format="json"
    )

    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.payment_reference == "123"
