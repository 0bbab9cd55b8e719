"""A suspended or revoked provider leaves the public directory, but those who dealt with it
keep its page, with its state and the reason: the enterprise that ordered from it, and the
officials of the district whose voucher the order was made with (who still decide its
claims). Nobody else sees it."""

import pytest

from providers import services

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["suspend", "revoke"])
def ended(request, demo, order_in):
    order = order_in("accepted")
    provider = order.provider
    official = demo["users"][f"official-{provider.region.code.lower()}"]
    act = services.provider_suspend if request.param == "suspend" else services.provider_revoke
    act(provider=provider, actor=official, reason="Forged test reports.")
    order.provider.refresh_from_db()
    return order


def page(client, user, provider):
    client.force_login(user)
    return client.get(f"/providers/{provider.pk}/")


def test_the_enterprise_that_ordered_keeps_the_page_with_the_reason(client, users, ended):
    response = page(client, users["enterprise-jiangnan"], ended.provider)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Forged test reports." in text
    assert ended.provider.get_status_display() in text
    assert not response.context["may_order"]
    assert "/orders/new/" not in text


def test_the_voucher_districts_officials_keep_it(client, users, ended):
    district = ended.voucher.issuing_region.code.lower()
    assert district != ended.provider.region.code.lower()
    assert page(client, users[f"official-{district}"], ended.provider).status_code == 200


def test_others_do_not_see_it(client, users, ended):
    involved = {ended.voucher.issuing_region.code.lower(), ended.provider.region.code.lower()}
    outsider = sorted({"yangpu", "wujin", "nanhu", "hefei"} - involved)[0]
    for user in [users["enterprise-yangpu"], users[f"official-{outsider}"]]:
        assert page(client, user, ended.provider).status_code == 404
    client.logout()
    assert client.get(f"/providers/{ended.provider.pk}/").status_code == 404


def test_a_suspended_providers_page_offers_no_booking_calendar(client, demo, sem):
    """Its calendar answers 404 to all but the provider: the link led there."""
    lab = sem.provider
    official = demo["users"][f"official-{lab.region.code.lower()}"]
    client.force_login(demo["users"]["operator"])
    calendar = f"/instruments/{sem.pk}/"
    assert calendar in client.get(f"/providers/{lab.pk}/").content.decode()
    services.provider_suspend(provider=lab, actor=official, reason="Complaints.")
    assert calendar not in client.get(f"/providers/{lab.pk}/").content.decode()
