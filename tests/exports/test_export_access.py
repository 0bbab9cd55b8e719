import pytest

pytestmark = pytest.mark.django_db

KINDS = ("applications", "vouchers", "redemptions", "providers")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("username", ["enterprise-jiangnan", "provider-sit"])
def test_it_is_forbidden_to_enterprises_and_providers(demo, client, kind, username):
    client.force_login(demo["users"][username])
    assert client.get(f"/exports/{kind}.csv").status_code == 403
    assert client.get(f"/exports/{kind}.xlsx").status_code == 403


@pytest.mark.parametrize("kind", KINDS)
def test_it_sends_visitors_to_the_login_page(demo, client, kind):
    response = client.get(f"/exports/{kind}.csv?status=submitted")
    assert response.status_code == 302
    assert response.url.startswith("/login/") or "login" in response.url


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("username", ["official-nanhu", "operator"])
def test_officials_and_the_operator_get_both_formats(demo, client, kind, username):
    client.force_login(demo["users"][username])
    assert client.get(f"/exports/{kind}.csv").status_code == 200
    assert client.get(f"/exports/{kind}.xlsx").status_code == 200


def test_unknown_lists_and_formats_are_404(demo, client):
    client.force_login(demo["users"]["operator"])
    assert client.get("/exports/users.csv").status_code == 404
    assert client.get("/exports/vouchers.pdf").status_code == 404


def test_it_answers_only_get(demo, client):
    client.force_login(demo["users"]["operator"])
    assert client.post("/exports/vouchers.csv").status_code == 405
