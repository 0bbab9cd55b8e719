"""The order page names who uploaded a document or evidence and who recorded and confirmed the
own share as its History does (the person's name), not by the account's user name."""

import pytest

from providers import services
from tests.paperwork import complete_paperwork, parties
from tests.providers.conftest import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(demo):
    order = demo["order"]
    enterprise_user, provider_user = parties(order)
    enterprise_user.first_name, enterprise_user.last_name = "芳", "王"
    enterprise_user.save(update_fields=["first_name", "last_name"])
    provider_user.first_name, provider_user.last_name = "Jane", "Smith"
    provider_user.save(update_fields=["first_name", "last_name"])
    order = services.order_accept(order=order, actor=provider_user)
    services.order_complete(
        order=order, actor=provider_user, summary="Done.", evidence=[pdf_upload("report.pdf")]
    )
    return complete_paperwork(order)


def test_it_names_the_people_of_the_paperwork_and_the_evidence(client, order):
    enterprise_user, provider_user = parties(order)
    client.force_login(enterprise_user)

    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # The contract (the enterprise's) and the invoice and the evidence (the provider's).
    assert ", 王芳)" in page
    assert page.count(", Jane Smith)") == 2
    # The own share: recorded by the enterprise, confirmed by the provider.
    assert "· 王芳</dd>" in page
    assert "· Jane Smith</dd>" in page
    for username in (enterprise_user.username, provider_user.username):
        assert f", {username})" not in page
        assert f"· {username}</dd>" not in page
