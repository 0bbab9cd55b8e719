"""Every error under /api/ is JSON, also where no route matches and where the operation's
success is a file."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_json_404_for_an_api_path_without_a_route(demo, api_as):
    client = api_as(demo["users"]["official-wujin"])

    for path in ("/api/redemptions/5.9e-08/", "/api/no-such-resource/", "/api/vouchers/%C2%84/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json", path
        assert response.json()["code"] == "not_found", path


def test_it_keeps_the_html_404_for_pages(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_answers_json_404_for_an_absent_certificate_asked_as_pdf(demo, api_as):
    response = api_as(demo["users"]["official-wujin"]).get(
        "/api/vouchers/NOSUCH-1/certificate/?format=pdf"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_it_answers_json_404_for_an_unknown_format(demo, api_as):
    response = api_as(demo["users"]["operator"]).get("/api/settlement-batches/1/?format=AAA")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
