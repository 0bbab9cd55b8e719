"""The order form's service list opens on words, not Django's "---------"."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_service_list_says_what_no_choice_means(client, demo):
    sit = demo["providers"]["provider-sit"]
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/orders/new/?provider={sit.pk}").content.decode()
    assert "---------" not in page
    assert "No published service (describe the work below)" in page
