"""The official of the district that issued the voucher decides a disputed order."""

import pytest

from providers.models import ServiceOrder
from regions.models import AuditEntry

pytestmark = pytest.mark.django_db


def resolve(client, order, decision="uphold", reason="The report lacks the yield data."):
    return client.post(
        f"/api/service-orders/{order.pk}/resolve-dispute/",
        {"decision": decision, "reason": reason},
        format="json",
    )


def test_upholding_sends_the_order_back_to_the_provider(
    api_as, users, order_in, mailoutbox, django_capture_on_commit_callbacks
):
    order = order_in("disputed")
    with django_capture_on_commit_callbacks(execute=True):
        response = resolve(api_as(users["official-wujin"]), order)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.ACCEPTED
    assert order.status_reason == "The report lacks the yield data."
    entry = AuditEntry.objects.filter(object_id=str(order.pk)).latest("id")
    assert entry.action == AuditEntry.Action.RESOLVE_DISPUTE
    assert entry.actor == users["official-wujin"]
    assert entry.data == {"decision": "uphold"}
    recipients = {address for mail in mailoutbox[-2:] for address in mail.to}
    assert {"enterprise-jiangnan@example.com", "provider-sit@example.com"} <= recipients
    # and the provider completes it again
    provider = api_as(users["provider-sit"])
    assert provider.post(f"/api/service-orders/{order.pk}/accept/").status_code == 409


def test_cancelling_ends_the_order(api_as, users, order_in):
    order = order_in("disputed")

    response = resolve(api_as(users["official-wujin"]), order, decision="cancel")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.CANCELLED
    assert order.cancelled_at is not None


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("official-yangpu", 403),  # the provider's district: watches, does not decide
        ("official-nanhu", 404),  # sees nothing of this order
        ("enterprise-jiangnan", 403),
        ("provider-sit", 403),
    ],
)
def test_only_the_issuing_districts_official_decides(api_as, users, order_in, username, status):
    order = order_in("disputed")

    response = resolve(api_as(users[username]), order)

    assert response.status_code == status
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.DISPUTED


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "uphold", "reason": ""},
        {"decision": "uphold"},
        {"decision": "refund", "reason": "Why not."},
        {"reason": "No decision."},
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(api_as, users, order_in, body):
    order = order_in("disputed")

    response = api_as(users["official-wujin"]).post(
        f"/api/service-orders/{order.pk}/resolve-dispute/", body, format="json"
    )

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.DISPUTED


@pytest.mark.parametrize("state", ["requested", "accepted", "completed", "confirmed"])
def test_only_a_disputed_order_is_decided(api_as, users, order_in, state):
    order = order_in(state)

    response = resolve(api_as(users["official-wujin"]), order)

    assert response.status_code == 409
    order.refresh_from_db()
    assert order.status == state


def test_the_parties_cannot_cancel_a_disputed_order_themselves(api_as, users, order_in):
    order = order_in("disputed")

    for username in ("enterprise-jiangnan", "provider-sit"):
        response = api_as(users[username]).post(
            f"/api/service-orders/{order.pk}/cancel/", {"reason": "Give up."}, format="json"
        )
        assert response.status_code == 409
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.DISPUTED


def test_the_official_decides_on_the_order_page(client, users, order_in):
    order = order_in("disputed")
    client.force_login(users["official-wujin"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "resolve-dispute" in page
    assert order in client.get("/orders/disputed/").context["page"].object_list

    empty = client.post(f"/orders/{order.pk}/resolve-dispute/", {"resolve-decision": "cancel"})
    assert empty.status_code == 400
    response = client.post(
        f"/orders/{order.pk}/resolve-dispute/",
        {"resolve-decision": "cancel", "resolve-reason": "The provider cannot deliver."},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.CANCELLED
    client.force_login(users["official-yangpu"])
    assert "resolve-dispute" not in client.get(f"/orders/{order.pk}/").content.decode()


def test_a_dispute_is_told_to_the_officials_who_decide_it(
    api_as, users, order_in, mailoutbox, django_capture_on_commit_callbacks
):
    """The voucher's district (Wujin) decides; only the provider's (Yangpu) was e-mailed."""
    order = order_in("completed")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["enterprise-jiangnan"]).post(
            f"/api/service-orders/{order.pk}/dispute/",
            {"reason": "The report lacks the yield data."},
            format="json",
        )
    assert response.status_code == 200, response.content
    recipients = {address for mail in mailoutbox for address in mail.to}
    assert users["official-wujin"].email in recipients
    assert users["official-nanhu"].email not in recipients
