import pytest

from regions.models import User
from tests.vouchers.conftest import valid_credit_code
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db


def test_it_shows_vouchers_applications_and_next_steps(client, demo, submit):
    submit("enterprise-jiangnan", "1000.00")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.get("/enterprise/")
    assert response.status_code == 200
    assert [v.serial for v in response.context["vouchers"]] == [demo["voucher"].serial]
    assert len(response.context["applications"]) == 2
    # The seed's order waits for the provider: that is the next thing, and the voucher it
    # uses is not offered again for ordering.
    kinds = [step["kind"] for step in response.context["next_steps"]]
    assert kinds == ["waiting_provider", "reviewing"]
    assert response.context["next_steps"][0]["order"] == demo["order"]
    content = response.content.decode()
    assert f'href="/orders/{demo["order"].pk}/"' in content
    assert 'class="bar"' in content


def test_the_dashboard_redirects_enterprises_here(client, demo):
    client.force_login(demo["users"]["enterprise-yangpu"])
    assert client.get("/dashboard/")["Location"] == "/enterprise/"


def test_an_enterprise_without_a_voucher_is_told_to_apply(client, demo):
    client.force_login(demo["users"]["enterprise-nanhu"])
    response = client.get("/enterprise/")
    assert response.context["next_steps"] == [{"kind": "apply"}]
    assert "/applications/new/" in response.content.decode()


def test_an_unverified_enterprise_is_told_to_wait(client, demo):
    enterprise = Enterprise.objects.create(
        name="Waiting Co.",
        credit_code=valid_credit_code(),
        region=demo["regions"]["NANHU"],
        industry="Textiles",
        size="micro",
        contact_name="Chen",
        contact_email="chen@waiting.example",
    )
    user = User.objects.create_user(
        username="waiting", password="x-pass-2026!", role="enterprise", enterprise=enterprise
    )
    client.force_login(user)
    response = client.get("/enterprise/")
    assert response.context["next_steps"] == [{"kind": "verify"}]


def test_it_is_forbidden_to_officials(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    assert client.get("/enterprise/").status_code == 403


def test_the_nav_links_the_roles_pages(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert 'href="/applications/new/"' in client.get("/enterprise/").content.decode()
    client.force_login(demo["users"]["official-wujin"])
    content = client.get("/official/applications/").content.decode()
    assert 'href="/official/enterprises/"' in content
    assert 'href="/vouchers/"' in content


def test_the_voucher_list_page_is_scoped(client, demo, django_assert_max_num_queries):
    client.force_login(demo["users"]["official-yangpu"])
    assert list(client.get("/vouchers/").context["vouchers"]) == []
    client.force_login(demo["users"]["official-wujin"])
    with django_assert_max_num_queries(12):
        vouchers = client.get("/vouchers/").context["vouchers"]
    assert [v.serial for v in vouchers] == [demo["voucher"].serial]
    assert client.get(f"/vouchers/{demo['voucher'].serial}/").status_code == 200
    client.force_login(demo["users"]["official-yangpu"])
    assert client.get(f"/vouchers/{demo['voucher'].serial}/").status_code == 404


def test_an_order_to_confirm_comes_before_everything_else(client, demo, submit):
    from providers import services as orders
    from tests.providers.conftest import pdf_upload

    sit = demo["users"]["provider-sit"]
    order = orders.order_accept(order=demo["order"], actor=sit)
    orders.order_complete(order=order, actor=sit, summary="Done.", evidence=[pdf_upload()])
    submit("enterprise-jiangnan", "1000.00")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.get("/enterprise/")
    steps = response.context["next_steps"]
    assert [s["kind"] for s in steps] == ["confirm", "reviewing"]
    assert steps[0]["order"].pk == order.pk
    body = response.content.decode()
    assert "confirm the delivery or dispute it" in body
    assert f'href="/orders/{order.pk}/"' in body


def test_a_free_active_voucher_is_offered_for_ordering_and_counted(client, demo):
    from providers.models import ServiceOrder
    from tests.vouchers.factories import make_voucher

    # The seed's order is closed: its voucher is free again; a second voucher is free too.
    ServiceOrder.objects.filter(pk=demo["order"].pk).update(status="cancelled")
    make_voucher(demo["enterprises"]["enterprise-jiangnan"], "5000.00")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.get("/enterprise/")
    assert response.context["next_steps"] == [{"kind": "order", "count": 2}]
    assert response.context["voucher_count"] == 2
    assert response.context["active_voucher_count"] == 2
    body = response.content.decode()
    assert "You have 2 active vouchers that no open order uses" in body
    assert "2 vouchers, 2 active." in body
    assert 'href="/providers/"' in body


def test_a_voucher_an_earlier_order_used_is_offered_as_no_open_order_uses_it(client, demo):
    from providers.models import ServiceOrder

    # The seed's order is confirmed: it used the voucher, but no open order uses it now, and
    # the sentence must not claim that no order ever used it.
    ServiceOrder.objects.filter(pk=demo["order"].pk).update(status="confirmed")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.get("/enterprise/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["next_steps"] == [{"kind": "order", "count": 1}]
    body = response.content.decode()
    assert "You have an active voucher that no open order uses: choose" in body
    assert "no order uses yet" not in body


def test_one_voucher_is_counted_in_the_singular(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get("/enterprise/").content.decode()
    assert "1 voucher, 1 active." in body


def test_the_balance_bar_has_a_legend(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get("/enterprise/").content.decode()
    legend = body[body.index('<ul class="bar-legend"') :]
    legend = legend[: legend.index("</ul>")]
    for part in ("Redeemed", "Held", "Balance"):
        assert part in legend
    assert "swatch-redeemed" in legend and "swatch-held" in legend


def test_outside_the_districts_calls_it_says_when_applications_open(client, demo):
    """Nanhu published a call that opens in five days: its enterprises are told so and when,
    where they were offered "Apply for a voucher" and a form the next page refused."""
    from datetime import timedelta

    from django.utils import timezone

    from regions.models import Notice

    Notice.objects.create(
        kind="call",
        region=demo["regions"]["NANHU"],
        title="Winter call",
        body="Apply from the opening date.",
        opens_at=timezone.now() + timedelta(days=5),
        closes_at=timezone.now() + timedelta(days=40),
        published_by=demo["users"]["official-nanhu"],
    )
    client.force_login(demo["users"]["enterprise-nanhu"])

    response = client.get("/enterprise/", HTTP_ACCEPT_LANGUAGE="en")

    [step] = response.context["next_steps"]
    assert step["kind"] == "apply_closed"
    assert step["reason"].startswith(
        "Applications are not open in this district now. The next call, “Winter call”, opens on"
    )
    content = response.content.decode()
    # The menu keeps "Apply" (its page says the same); the dashboard offers no form.
    assert "Apply for a voucher" not in content and "New application" not in content
    assert content.count("The next call, “Winter call”") == 1  # said once on the page
    assert 'href="/notices/"' in content
