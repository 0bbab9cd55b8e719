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


def test_every_api_404_has_one_shape_and_names_no_model(demo, api_as):
    """An object outside the caller's scope or absent: `{"detail", "code": "not_found"}`,
    never Django's "No <Model> matches the given query."."""
    client = api_as(demo["users"]["official-wujin"])

    for path in (
        "/api/voucher-applications/999999/",
        "/api/redemptions/999999/",
        "/api/vouchers/NOSUCH-1/",
        "/api/service-orders/999999/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found.", "code": "not_found"}, path


def test_a_404_with_its_own_message_keeps_it(demo, api_as):
    provider = demo["users"]["provider-sit"]

    response = api_as(provider).post(
        "/api/redemptions/", {"service_order": 999999, "amount": "10.00"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such service order.", "code": "not_found"}


def test_deciding_a_redemption_out_of_reach_says_not_found_to_every_district(demo, api_as):
    """Yangpu's provider claimed on Wujin's voucher: Yangpu's official sees the claim, yet
    only Wujin decides; Yangpu's refusal says what Nanhu's, which cannot see it, says."""
    from tests.redemptions.factories import make_order, provider_user
    from vouchers.services import redemption_claim

    sit = demo["providers"]["provider-sit"]
    order = make_order(demo["voucher"], sit, contract="1000.00")
    redemption = redemption_claim(
        service_order_id=order.pk, amount="100.00", actor=provider_user(demo, sit)
    )
    assert redemption.cross_region
    for name in ("official-yangpu", "official-nanhu"):
        response = api_as(demo["users"][name]).post(f"/api/redemptions/{redemption.pk}/approve/")
        assert response.status_code == 404, name
        assert response.json() == {"detail": "Not found.", "code": "not_found"}, name


def test_a_bad_page_number_is_answered_in_the_readers_language(demo, api_as):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    response = client.get("/api/vouchers/?page=-1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["page"] == ["请填写不小于 1 的整数。"]


def test_errors_of_the_body_and_of_lookups_are_in_the_readers_language(demo, api_as):
    client = api_as(demo["users"]["provider-sit"])

    broken = client.post(
        "/api/redemptions/",
        data='{"service_order": 1,,}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert broken.status_code == 400
    assert broken.json()["detail"] == "请求体不是有效的 JSON（第 1 行，第 21 列）。"

    absent = client.post(
        "/api/redemptions/",
        {"service_order": 999999, "amount": "10.00"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert absent.status_code == 404
    assert absent.json()["detail"] == "没有这个服务订单。"
