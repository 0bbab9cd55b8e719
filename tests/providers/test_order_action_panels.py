"""Each order action is a fieldset of its own, its reason box inside; the enterprise's
"confirm delivery" and "dispute" are two separate choices, the dispute asking a reason."""

import re

import pytest

from providers.models import ServiceOrder

pytestmark = pytest.mark.django_db


def fieldsets(body: str) -> list[str]:
    return re.findall(r"<fieldset.*?</fieldset>", body, flags=re.S)


def test_confirm_and_dispute_are_two_separate_forms(client, demo, order_in):
    order = order_in("completed")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get(f"/orders/{order.pk}/").content.decode()
    confirm = next(f for f in fieldsets(body) if "Confirm delivery" in f)
    dispute = next(f for f in fieldsets(body) if "Dispute the delivery" in f)
    assert confirm != dispute
    assert "<legend>The service was delivered</legend>" in confirm
    assert "<legend>The service was not delivered as agreed</legend>" in dispute
    # The reason box belongs to the dispute only, and is required there.
    assert "<textarea" not in confirm
    assert re.search(r'<textarea name="dispute-reason"[^>]*required', dispute)
    forms = re.findall(r'<form method="post"[^>]*action="([^"#]+)', body)
    assert f"/orders/{order.pk}/confirm/" in forms and f"/orders/{order.pk}/dispute/" in forms


def test_a_dispute_without_a_reason_is_refused_beside_its_box(client, demo, order_in):
    order = order_in("completed")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.post(f"/orders/{order.pk}/dispute/", {"dispute-reason": "  "})
    assert response.status_code == 400
    dispute = next(f for f in fieldsets(response.content.decode()) if "Dispute the delivery" in f)
    assert "has-error" in dispute
    assert ServiceOrder.objects.get(pk=order.pk).status == "completed"


def test_a_dispute_with_a_reason_is_recorded(client, demo, order_in):
    order = order_in("completed")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.post(
        f"/orders/{order.pk}/dispute/", {"dispute-reason": "The report misses the yield data."}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "disputed" and order.dispute_reason.startswith("The report misses")


def test_the_providers_decline_reason_sits_in_the_decline_fieldset(client, demo, order_in):
    order = order_in("requested")
    client.force_login(demo["users"]["provider-sit"])
    body = client.get(f"/orders/{order.pk}/").content.decode()
    accept = next(f for f in fieldsets(body) if "<legend>Accept the order</legend>" in f)
    decline = next(f for f in fieldsets(body) if "<legend>Decline the order</legend>" in f)
    assert "<textarea" not in accept
    assert 'name="decline-reason"' in decline and "Why do you decline?" in decline


def test_the_cancel_reason_sits_in_the_cancel_fieldset(client, demo, order_in):
    order = order_in("requested")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get(f"/orders/{order.pk}/").content.decode()
    (cancel,) = [f for f in fieldsets(body) if "Cancel the order" in f]
    assert "<legend>Cancel the order</legend>" in cancel and 'name="cancel-reason"' in cancel


@pytest.mark.parametrize(
    ("state", "username"),
    [
        ("requested", "provider-sit"),
        ("accepted", "provider-sit"),
        ("accepted", "enterprise-jiangnan"),
        ("completed", "enterprise-jiangnan"),
        ("confirmed", "provider-sit"),
    ],
)
def test_every_form_of_the_order_page_comes_back_to_its_own_section(
    client, demo, order_in, state, username
):
    # Refused, the page comes back with the message beside the form: at the top of a long
    # page on a phone it looked as if nothing had happened.
    order = order_in(state)
    client.force_login(demo["users"][username])
    body = client.get(f"/orders/{order.pk}/").content.decode()
    actions = re.findall(r'<form method="post"[^>]*action="([^"]+)"', body)
    assert actions
    for action in actions:
        path, _, anchor = action.partition("#")
        assert anchor, f"{action} comes back to the top of the page"
        assert f'id="{anchor}"' in body, f"{action}: no #{anchor} on the page"


def test_an_action_refused_because_the_order_moved_on_says_why_on_the_page(client, demo, order_in):
    """Accepted in one tab, declined from another: the 409 page said nothing (the error sat
    on the decline form, which an accepted order no longer shows)."""
    order = order_in("requested")
    client.force_login(demo["users"]["provider-sit"])
    assert client.post(f"/orders/{order.pk}/accept/").status_code == 302
    response = client.post(
        f"/orders/{order.pk}/decline/", {"decline-reason": "No capacity."},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 409
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and "declined" in errors[0]
    assert errors[0] in response.content.decode()
    assert ServiceOrder.objects.get(pk=order.pk).status == "accepted"
