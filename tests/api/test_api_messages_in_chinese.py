"""API refusals speak the reader's language (Accept-Language), like the pages."""

import pytest

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def test_a_claim_by_an_enterprise_is_refused_in_chinese(demo, api_as):
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/redemptions/", {"service_order": 1, "amount": "1.00"}, format="json", **CHINESE
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "只有服务机构可以申请兑付。"


def test_settlement_is_refused_to_a_provider_in_chinese(demo, api_as):
    from tests.redemptions.factories import provider_user

    provider = provider_user(demo, demo["providers"]["provider-graphene"])
    response = api_as(provider).get("/api/settlement-batches/", **CHINESE)
    assert response.status_code == 403
    assert response.json()["detail"] == "只有区级管理员和平台运营方可以查看结算。"


def test_bad_statistics_parameters_are_named_in_chinese(client):
    response = client.get("/api/statistics/?month=13&year=abc&region=XX", **CHINESE)
    assert response.status_code == 400
    text = response.content.decode()
    assert "请填写 1 至 12 之间的月份。" in text
    assert "之间的年份" in text
    assert "不是区代码" in text
