"""The operator reads the task queue in the admin without what its e-mails say: an
invitation's body held its one-time set-password link, and whoever read it could take the
new account (and so be both officials of a four-eyes approval)."""

import pytest
from django.urls import reverse

from portal.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_an_invitations_link_is_not_shown_in_the_admin(
    demo, client, django_capture_on_commit_callbacks
):
    operator = demo["users"]["operator"]
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/people/invite/",
            {
                "username": "wujin-new",
                "email": "wujin-new@example.com",
                "region": demo["regions"]["WUJIN"].pk,
            },
        )
    assert response.status_code in (200, 302), response.content[:500]
    message = OutboxMessage.objects.filter(kwargs__recipients=["wujin-new@example.com"]).get()
    assert "/account/set-password/" in str(message.kwargs)  # what is to be hidden
    for path in (
        reverse("admin:portal_outboxmessage_change", args=[message.pk]),
        reverse("admin:portal_outboxmessage_changelist"),
    ):
        page = client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "set-password" not in html, path
    detail = client.get(reverse("admin:portal_outboxmessage_change", args=[message.pk]))
    assert "wujin-new@example.com" in detail.content.decode()
