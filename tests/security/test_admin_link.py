"""The header offers the admin site only to those it lets in (the operator)."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_official_is_not_offered_the_admin(demo, client):
    client.force_login(demo["users"]["official-wujin"])
    assert "Administration" not in client.get("/official/").content.decode()


def test_the_operator_is_offered_the_admin(demo, client):
    client.force_login(demo["users"]["operator"])
    assert "Administration" in client.get("/operator/").content.decode()
