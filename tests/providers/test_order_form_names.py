"""The order form and the enterprise's next steps name the provider in the reader's language."""

import pytest

from tests.redemptions.factories import make_order

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def test_the_order_form_names_the_provider_in_chinese(client, demo):
    provider = demo["providers"]["provider-weikai"]
    assert provider.name_zh
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get(f"/orders/new/?provider={provider.pk}", **CHINESE).content.decode()
    assert provider.name_zh in body
    assert provider.name not in body


def test_the_next_steps_name_the_provider_in_chinese(client, demo):
    provider = demo["providers"]["provider-weikai"]
    order = make_order(demo["voucher"], provider, confirmed=False)
    assert order.status == "requested"
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get("/enterprise/", **CHINESE).content.decode()
    assert f"正在等待{provider.name_zh}接单" in body
