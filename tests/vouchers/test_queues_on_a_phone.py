"""The official's queues and the claims list are card-stacked on a phone, as the other row
tables are: their Approve / Verify buttons sat off-screen to the right in a table scrolled
inside its box."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_application_queue_rows_are_cards_with_labels(client, demo, submit):
    submit("enterprise-jiangnan")
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/applications/").content.decode()
    assert '<table class="data stack">' in body
    for label in ("Enterprise", "Status", "Decision"):
        assert f'data-label="{label}"' in body


def test_the_enterprises_to_verify_rows_are_cards_with_labels(client, demo):
    from tests.vouchers.conftest import valid_credit_code
    from vouchers.models import Enterprise

    Enterprise.objects.create(
        name="Phone Test Co.",
        credit_code=valid_credit_code("91320412MA1ABC00X"),
        region=demo["regions"]["WUJIN"],
    )
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/enterprises/").content.decode()
    assert "Phone Test Co." in body
    assert body.count('<table class="data stack">') >= 1
    assert 'data-label="Credit code"' in body and 'data-label="Action"' in body


def test_the_redemption_queue_rows_are_cards_with_labels(client, demo):
    from tests.redemptions.factories import delivered_claim

    claim = delivered_claim(demo)
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/redemptions/").content.decode()
    assert f'id="redemption-{claim.pk}"' in body
    assert '<table class="data stack">' in body
    for label in ("Service order", "Evidence and confirmation", "Amount claimed", "Decision"):
        assert f'data-label="{label}"' in body


def test_the_redemption_row_answered_after_an_inline_decision_keeps_its_labels(client, demo):
    from tests.redemptions.factories import delivered_claim

    claim = delivered_claim(demo)
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/redemptions/{claim.pk}/reject/", {"note": "No report."}, HTTP_HX_REQUEST="true"
    )
    row = response.content.decode()
    assert response.status_code == 200 and f'id="redemption-{claim.pk}"' in row
    assert 'data-label="Status"' in row and 'data-label="Decision"' in row


def test_the_redemption_list_rows_are_cards_with_labels(client, demo):
    from tests.redemptions.factories import delivered_claim

    claim = delivered_claim(demo)
    client.force_login(demo["users"]["provider-sit"])
    body = client.get("/redemptions/").content.decode()
    assert f'href="/redemptions/{claim.pk}/"' in body
    assert '<table class="data stack">' in body
    for label in ("Claimed", "Voucher", "Amount", "Status", "Settlement"):
        assert f'data-label="{label}"' in body


def test_the_payments_queue_rows_are_cards_with_labels(client, demo):
    from tests.redemptions.factories import approved_redemption

    sit = demo["providers"]["provider-sit"]
    redemption = approved_redemption(demo, demo["voucher"], sit)
    # The provider's home district records the payment.
    client.force_login(demo["users"][f"official-{sit.region.code.lower()}"])
    body = client.get("/official/payments/").content.decode()
    assert f'id="redemption-{redemption.pk}"' in body
    assert '<table class="data stack">' in body
    for label in ("Provider", "Voucher", "Amount", "Status", "Payment"):
        assert f'data-label="{label}"' in body
