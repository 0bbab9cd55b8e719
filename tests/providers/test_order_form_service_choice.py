"""The order form's service list opens on words, not Django's "---------"."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_service_list_says_what_no_choice_means(client, demo):
    sit = demo["providers"]["provider-sit"]
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/orders/new/?provider={sit.pk}").content.decode()
    assert "---------" not in page
    assert "No published service (describe the work below)" in page


def test_a_service_chosen_on_the_providers_page_fills_the_title_and_amount(client, demo):
    sit = demo["providers"]["provider-sit"]
    offering = sit.offerings.filter(active=True).first()
    offering.indicative_price = "8000.00"
    offering.save(update_fields=["indicative_price"])
    client.force_login(demo["users"]["enterprise-jiangnan"])

    response = client.get(f"/orders/new/?provider={sit.pk}&offering={offering.pk}")

    form = response.context["form"]
    assert form["title"].value() == offering.title
    assert str(form["contract_amount"].value()) == "8000.00"
    assert form["offering"].value() == offering.pk
    # and the page carries what choosing another service fills in
    assert 'id="offering-details"' in response.content.decode()


def test_another_providers_service_fills_nothing(client, demo):
    sit = demo["providers"]["provider-sit"]
    other = demo["providers"]["provider-graphene"].offerings.first()
    client.force_login(demo["users"]["enterprise-jiangnan"])

    response = client.get(f"/orders/new/?provider={sit.pk}&offering={other.pk}")

    assert response.context["form"]["title"].value() in (None, "")
