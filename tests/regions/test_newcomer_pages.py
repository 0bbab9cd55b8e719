"""What a newcomer finds: register and how-to-apply on the home page, the programme's steps,
"log in to order" on a provider's page (and back there after logging in), the favicon."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_home_page_offers_registration_and_how_to_apply_to_the_public(client, demo):
    body = client.get("/").content.decode()
    assert 'href="/signup/"' in body and "Register your enterprise" in body
    assert 'href="/how-to-apply/"' in body and "How to apply" in body


def test_a_logged_in_user_is_not_asked_to_register(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get("/").content.decode()
    assert 'href="/signup/"' not in body


def test_the_how_to_apply_page_lists_the_steps(client, demo):
    response = client.get("/how-to-apply/")
    assert response.status_code == 200
    body = response.content.decode()
    steps = body[body.index('<ol class="steps">') : body.index("</ol>")]
    assert steps.count("<li>") == 7
    for step in ("Register your enterprise", "Apply for a voucher", "Confirm the delivery"):
        assert step in steps
    assert 'href="/signup/"' in steps and 'href="/providers/"' in steps


def test_a_providers_page_tells_the_public_to_log_in_to_order(client, demo):
    provider = demo["providers"]["provider-sit"]
    body = client.get(f"/providers/{provider.pk}/").content.decode()
    assert "Log in to order" in body
    assert f'href="/login/?next=/providers/{provider.pk}/"' in body
    assert 'href="/signup/"' in body


def test_logging_in_from_the_provider_page_comes_back_to_it(client, demo, password):
    provider = demo["providers"]["provider-sit"]
    response = client.post(
        f"/login/?next=/providers/{provider.pk}/",
        {
            "username": "enterprise-jiangnan",
            "password": password,
            "next": f"/providers/{provider.pk}/",
        },
    )
    assert response.status_code == 302 and response.url == f"/providers/{provider.pk}/"
    body = client.get(response.url).content.decode()
    assert "Log in to order" not in body
    assert f'href="/orders/new/?provider={provider.pk}"' in body


def test_the_login_page_carries_next_from_the_link(client, demo):
    provider = demo["providers"]["provider-sit"]
    body = client.get(f"/login/?next=/providers/{provider.pk}/").content.decode()
    assert f'name="next" value="/providers/{provider.pk}/"' in body


def test_a_suspended_provider_offers_no_ordering(client, demo):
    provider = demo["providers"]["provider-sit"]
    type(provider).objects.filter(pk=provider.pk).update(status="suspended")
    assert "Log in to order" not in client.get(f"/providers/{provider.pk}/").content.decode()


def test_the_favicon_answers_and_is_linked(client, demo):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").content.decode()
