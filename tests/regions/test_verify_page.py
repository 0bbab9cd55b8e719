"""/verify/: a serial whose check digit does not match says it looks mistyped; a well-formed
serial that no voucher or certificate has is "not found"."""

import pytest

from portal.codes import luhn_digit, serial_check_digit_is_wrong

pytestmark = pytest.mark.django_db


def with_wrong_digit(serial: str) -> str:
    return serial[:-1] + str((int(serial[-1]) + 1) % 10)


def test_a_wrong_check_digit_is_called_mistyped(client, demo):
    mistyped = with_wrong_digit(demo["voucher"].serial)
    response = client.get(f"/verify/{mistyped}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "This serial looks mistyped" in body and "check digit" in body
    assert "Not found" not in body


def test_swapped_digits_are_called_mistyped(client, demo):
    serial = demo["voucher"].serial  # WJ-YYYY-000001-c
    short, year, number, check = serial.split("-")
    swapped = f"{short}-{year}-{number[:-2]}{number[-1]}{number[-2]}-{check}"
    assert swapped != serial
    assert "looks mistyped" in client.get(f"/verify/{swapped}/").content.decode()


def test_a_well_formed_unknown_serial_is_not_found(client, demo):
    body = "2026999999"
    forged = f"WJ-2026-999999-{luhn_digit(body)}"
    response = client.get(f"/verify/{forged}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page and "looks mistyped" not in page


def test_the_lookup_form_leads_to_the_same_answer(client, demo):
    mistyped = with_wrong_digit(demo["voucher"].serial)
    response = client.get("/verify/", {"serial": mistyped}, follow=True)
    assert "looks mistyped" in response.content.decode()


def test_certificate_serials_are_checked_too(client, demo):
    from providers.models import ProviderCertificate

    serial = ProviderCertificate.objects.order_by("id").first().serial
    assert client.get(f"/verify/{serial}/").status_code == 200
    assert "looks mistyped" in client.get(f"/verify/{with_wrong_digit(serial)}/").content.decode()


@pytest.mark.parametrize(
    "serial, wrong",
    [("WJ-2026-000001-7", None), ("WJ-2026-00001-7", False), ("garbage", False), ("", False)],
)
def test_the_check_needs_the_serials_shape(serial, wrong):
    if wrong is None:
        right = f"WJ-2026-000001-{luhn_digit('2026000001')}"
        assert not serial_check_digit_is_wrong(right)
        assert serial_check_digit_is_wrong(with_wrong_digit(right))
    else:
        assert serial_check_digit_is_wrong(serial) is wrong


def test_an_active_voucher_is_called_valid(client, demo):
    page = client.get(f"/verify/{demo['voucher'].serial}/").content.decode()

    assert "Valid: it can pay for services" in page and "verify-ok" in page


def test_a_revoked_voucher_is_genuine_but_says_it_pays_for_nothing(client, demo):
    voucher = demo["voucher"]
    voucher.status = "revoked"
    voucher.save(update_fields=["status"])

    page = client.get(f"/verify/{voucher.serial}/").content.decode()

    assert "This voucher was revoked" in page and "verify-warn" in page
    assert "Valid: it can pay" not in page


def test_a_voucher_past_its_expiry_says_so_before_the_nightly_task(client, demo):
    from datetime import timedelta

    from django.utils import timezone

    voucher = demo["voucher"]
    voucher.expires_at = timezone.now() - timedelta(minutes=1)
    voucher.save(update_fields=["expires_at"])

    page = client.get(f"/verify/{voucher.serial}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "已过期" in page and "真实有效" not in page


def test_full_width_characters_from_a_chinese_input_method_are_read(client, demo):
    serial = demo["voucher"].serial
    typed = serial.replace("-", "－").replace("W", "Ｗ")

    response = client.get("/verify/", {"serial": typed}, follow=True)

    assert response.status_code == 200
    assert serial in response.content.decode()


def test_a_voucher_past_its_expiry_wears_the_expired_badge_not_active(client, demo):
    from datetime import timedelta

    from django.utils import timezone

    voucher = demo["voucher"]
    voucher.expires_at = timezone.now() - timedelta(minutes=1)
    voucher.save(update_fields=["expires_at"])

    page = client.get(f"/verify/{voucher.serial}/").content.decode()

    assert 'badge-expired">Expired' in page and "badge-active" not in page


@pytest.mark.parametrize("dash", ["\u2014", "\u2010", "\u2013", "\u2212"])
def test_other_dashes_typed_for_the_hyphen_are_read(client, demo, dash):
    serial = demo["voucher"].serial

    response = client.get("/verify/", {"serial": serial.replace("-", dash)}, follow=True)

    assert response.status_code == 200 and serial in response.content.decode()


def test_a_visitor_sees_a_masked_holder_and_no_amount(client, demo):
    # Serials run in sequence: the public page listed every beneficiary and its amount.
    voucher = demo["voucher"]
    body = client.get(f"/verify/{voucher.serial}/").content.decode()
    assert "Genuine voucher" in body
    assert "Ch****d." in body
    assert voucher.enterprise.name not in body
    assert "200,000" not in body

    client.force_login(demo["users"]["provider-sit"])
    body = client.get(f"/verify/{voucher.serial}/").content.decode()
    assert voucher.enterprise.name in body and "200,000" in body


def test_a_balance_held_by_a_claim_is_not_called_spent(client, demo):
    from decimal import Decimal

    voucher = demo["voucher"]
    type(voucher).objects.filter(pk=voucher.pk).update(
        status="exhausted", held=voucher.face_value, balance=Decimal("0.00")
    )
    body = client.get(f"/verify/{voucher.serial}/").content.decode()
    assert "held by claims waiting for the district" in body
    assert "balance is spent" not in body


def test_a_provider_not_certified_sees_the_holder_masked(client, api_client, demo):
    """Anyone can apply to be a provider: an applicant's account read every holder and face
    value in full by counting through the serials."""
    from providers.models import Provider

    voucher = demo["voucher"]
    provider_user = demo["users"]["provider-sit"]
    Provider.objects.filter(pk=provider_user.provider_id).update(status=Provider.Status.APPLIED)

    client.force_login(provider_user)
    body = client.get(f"/verify/{voucher.serial}/").content.decode()
    assert voucher.enterprise.name not in body and "200,000" not in body
    api_client.force_authenticate(provider_user)
    assert api_client.get(f"/api/certificates/{voucher.serial}/").json()["holder"] == "Ch****d."


def test_the_apis_masked_holder_is_in_the_readers_language(api_client, demo):
    voucher = demo["voucher"]
    voucher.enterprise.name_zh = "常州江南石墨烯科技有限公司"
    voucher.enterprise.save(update_fields=["name_zh"])
    body = api_client.get(
        f"/api/certificates/{voucher.serial}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    assert body["holder"] == "常州****公司"


@pytest.mark.parametrize("space", [" ", "  ", " - ", "\u3000"])
def test_spaces_between_the_parts_stand_for_hyphens(client, demo, space):
    """A serial read out or copied from paper: `YP 2026 000001 1` (the full-width space of
    a Chinese input method too)."""
    serial = demo["voucher"].serial

    response = client.get("/verify/", {"serial": serial.replace("-", space)}, follow=True)

    assert response.status_code == 200 and "Genuine voucher" in response.content.decode()


def test_the_certificates_api_reads_a_spaced_serial_too(api_client, demo):
    from providers.models import ProviderCertificate

    certificate = ProviderCertificate.objects.first()
    spaced = certificate.serial.replace("-", " ")

    response = api_client.get(f"/api/certificates/{spaced}/")

    assert response.status_code == 200, response.content
