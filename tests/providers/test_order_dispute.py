import pytest

pytestmark = pytest.mark.django_db


def test_it_disputes_with_a_reason(
    api_as, users, order_in, mailoutbox, django_capture_on_commit_callbacks
):
    order = order_in("completed")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["enterprise-jiangnan"]).post(
            f"/api/service-orders/{order.pk}/dispute/",
            {"reason": "The report misses the yield data."},
            format="json",
        )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "disputed"
    assert order.dispute_reason == "The report misses the yield data."
    # the provider, the voucher's district officials (who decide) and the provider's are told
    assert "official-yangpu@example.com" in mailoutbox[-1].to
    assert "official-wujin@example.com" in mailoutbox[-1].to
    assert "provider-sit@example.com" in mailoutbox[-1].to


def test_it_needs_a_reason(api_as, users, order_in):
    order = order_in("completed")
    response = api_as(users["enterprise-jiangnan"]).post(
        f"/api/service-orders/{order.pk}/dispute/", {"reason": ""}, format="json"
    )
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "completed"


def test_the_officials_page_lists_disputed_orders(client, users, order_in):
    order = order_in("disputed")
    client.force_login(users["official-yangpu"])
    assert order.title in client.get("/orders/disputed/").content.decode()
    client.force_login(users["official-nanhu"])
    assert order.title not in client.get("/orders/disputed/").content.decode()
    client.force_login(users["enterprise-jiangnan"])
    assert client.get("/orders/disputed/").status_code == 403


def test_it_disputes_from_the_page(client, users, order_in):
    order = order_in("completed")
    client.force_login(users["enterprise-jiangnan"])
    response = client.post(f"/orders/{order.pk}/dispute/", {"dispute-reason": "Incomplete"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "disputed"


def test_a_delivery_logged_again_keeps_the_disputed_one_in_the_history(
    client, users, order_in, mailoutbox, django_capture_on_commit_callbacks
):
    """The first summary was overwritten and appeared nowhere; the disputed files sat beside
    the new ones unmarked; the re-completion e-mail did not mention the dispute, and the
    officials told of the dispute never heard it was answered."""
    from providers import services
    from regions.models import AuditEntry
    from tests.providers.conftest import pdf_upload

    order = order_in("disputed")  # completed with summary "Done." and one PDF, then disputed
    lab = users["provider-sit"]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_complete(
            order=order,
            actor=lab,
            summary="Report redone with the yield data.",
            evidence=[pdf_upload("report-v2.pdf")],
        )
    summaries = list(
        AuditEntry.objects.filter(
            object_type="providers.serviceorder", object_id=str(order.pk), action="complete"
        )
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert summaries == ["Done.", "Report redone with the yield data."]

    to_enterprise = next(m for m in mailoutbox if "enterprise-jiangnan@example.com" in m.to)
    assert "again after the dispute (“Bad”)" in to_enterprise.body
    answered = next(m for m in mailoutbox if "answered" in m.subject)
    assert {"official-yangpu@example.com", "official-wujin@example.com"} <= set(answered.to)
    assert "enterprise-jiangnan@example.com" not in answered.to

    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    earlier, newer = page.split("report.pdf</a>")[1], page.split("report-v2.pdf</a>")[1]
    assert earlier.split("</li>")[0].count("earlier delivery, disputed") == 1
    assert "earlier delivery, disputed" not in newer.split("</li>")[0]


def test_an_upheld_dispute_shows_the_delivery_as_disputed_with_the_officials_reason(
    client, users, order_in
):
    from providers import services

    order = order_in("disputed")
    services.order_resolve_dispute(
        order=order, decision="uphold", reason="The report lacks the data.",
        actor=users["official-wujin"],
    )  # fmt: skip
    client.force_login(users["provider-sit"])
    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Earlier delivery, disputed" in page and "Completed service" not in page
    assert "Dispute upheld: the official" in page and "The report lacks the data." in page
