"""The official's two queues are card-stacked on a phone, as the other row tables are: their
Approve / Verify buttons sat off-screen to the right in a table scrolled inside its box."""

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
