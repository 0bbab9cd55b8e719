"""The provider's accept / decline of an order from the order list: htmx swaps the row,
and the same forms work as plain POSTs with JavaScript off."""

import pytest

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def provider(client, users):
    client.force_login(users["provider-sit"])
    return client


def test_the_list_offers_accept_and_decline_on_requested_orders(provider, demo):
    html = provider.get("/orders/").content.decode()
    order = demo["order"]
    assert f'id="order-{order.pk}"' in html
    assert f'hx-post="/orders/{order.pk}/accept/"' in html
    assert f'action="/orders/{order.pk}/decline/"' in html
    assert 'name="next" value="/orders/"' in html
    assert html.count('id="order-tabs"') == 1


def test_the_enterprise_sees_no_inline_decision(client, users, demo):
    client.force_login(users["enterprise-jiangnan"])
    assert f"/orders/{demo['order'].pk}/accept/" not in client.get("/orders/").content.decode()


def test_htmx_accept_answers_the_row(provider, demo):
    order = demo["order"]
    response = provider.post(
        f"/orders/{order.pk}/accept/", {"row": "1", "next": "/orders/", "show_next": "1"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="order-{order.pk}">')
    assert "You accepted the order." in html
    assert "Log the completed service" in html  # the next step column came back too
    assert "/accept/" not in html  # nothing left to decide
    order.refresh_from_db()
    assert order.status == "accepted"


def test_htmx_accept_on_the_list_brings_the_tabs_counts_along(provider, demo):
    order = demo["order"]
    before = provider.get("/orders/?status=requested").content.decode()
    assert "Requested (1)" in before and "Accepted (0)" in before

    response = provider.post(
        f"/orders/{order.pk}/accept/", {"row": "1", "next": "/orders/?status=requested"}, **HTMX
    )

    html = response.content.decode()
    tabs = html[html.index('<nav class="filters" id="order-tabs"') :]
    assert 'hx-swap-oob="true"' in tabs
    assert "Requested (0)" in tabs and "Accepted (1)" in tabs
    assert '<a href="?status=requested" aria-current="page">' in tabs


def test_a_refused_row_action_still_brings_the_tabs_counted_again(provider, demo):
    # The order changed meanwhile (the enterprise cancelled it): the refusal's row and the
    # tabs both show where it is now.
    order = demo["order"]
    type(order).objects.filter(pk=order.pk).update(status="cancelled")

    response = provider.post(
        f"/orders/{order.pk}/accept/", {"row": "1", "next": "/orders/"}, **HTMX
    )

    html = response.content.decode()
    assert "order-tabs" in html and "Cancelled (1)" in html and "Requested (0)" in html


def test_htmx_decline_answers_the_row_with_the_reason_kept(provider, demo):
    order = demo["order"]
    response = provider.post(
        f"/orders/{order.pk}/decline/", {"row": "1", "decline-reason": "No capacity."}, **HTMX
    )
    assert response.status_code == 200
    assert "You declined the order." in response.content.decode()
    order.refresh_from_db()
    assert order.status == "declined" and order.status_reason == "No capacity."


def test_htmx_decline_without_a_reason_shows_the_error_in_the_row(provider, demo):
    order = demo["order"]
    response = provider.post(f"/orders/{order.pk}/decline/", {"row": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "Please give a reason." in html
    assert f'hx-post="/orders/{order.pk}/decline/"' in html  # the forms are still there
    order.refresh_from_db()
    assert order.status == "requested"


def test_htmx_accept_twice_explains_in_the_row(provider, demo):
    order = demo["order"]
    provider.post(f"/orders/{order.pk}/accept/", {"row": "1"}, **HTMX)
    response = provider.post(f"/orders/{order.pk}/accept/", {"row": "1"}, **HTMX)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_plain_post_comes_back_to_the_list_with_a_message(provider, demo):
    order = demo["order"]
    response = provider.post(f"/orders/{order.pk}/accept/", {"row": "1", "next": "/orders/"})
    assert response.status_code == 302 and response.url == "/orders/"
    page = provider.get(response.url).content.decode()
    assert "You accepted the order." in page
    order.refresh_from_db()
    assert order.status == "accepted"


def test_plain_post_decline_without_reason_keeps_the_order(provider, demo):
    order = demo["order"]
    response = provider.post(f"/orders/{order.pk}/decline/", {"row": "1", "next": "/orders/"})
    assert response.status_code == 400
    assert "Please give a reason." in response.content.decode()
    order.refresh_from_db()
    assert order.status == "requested"


def test_plain_post_ignores_a_next_to_another_site(provider, demo):
    order = demo["order"]
    response = provider.post(f"/orders/{order.pk}/accept/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"


def test_htmx_from_the_detail_page_follows_the_redirect(provider, demo):
    """The detail page's forms swap the page's <main>: htmx follows the redirect."""
    order = demo["order"]
    detail = provider.get(f"/orders/{order.pk}/").content.decode()
    assert 'hx-select="#main"' in detail
    response = provider.post(f"/orders/{order.pk}/accept/", **HTMX, follow=True)
    assert response.redirect_chain == [(f"/orders/{order.pk}/", 302)]
    assert "You accepted the order." in response.content.decode()


def test_htmx_from_the_detail_page_shows_errors_with_a_2xx(provider, demo):
    order = demo["order"]
    response = provider.post(f"/orders/{order.pk}/decline/", {"decline-reason": ""}, **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "Please give a reason." in response.content.decode()


def test_another_provider_gets_404_and_the_enterprise_403(client, users, demo):
    order = demo["order"]
    client.force_login(users["provider-weikai"])
    assert client.post(f"/orders/{order.pk}/accept/", {"row": "1"}, **HTMX).status_code == 404
    client.force_login(users["enterprise-jiangnan"])
    assert client.post(f"/orders/{order.pk}/accept/", {"row": "1"}, **HTMX).status_code == 403
    order.refresh_from_db()
    assert order.status == "requested"


def test_the_dashboard_offers_the_same_inline_decision(provider, demo):
    html = provider.get("/provider/").content.decode()
    assert f'hx-post="/orders/{demo["order"].pk}/accept/"' in html
    assert 'name="next" value="/provider/"' in html
