"""The admin is for looking: the operator reads every table there and changes none; nobody,
a superuser included, changes money, a state or who may act in it (that goes through the
portal, with its rules and an audit entry)."""

import pytest

from providers.models import ServiceOrder
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def test_the_operator_reads_the_admins_tables(client, demo):
    client.force_login(demo["users"]["operator"])
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/vouchers/voucher/" in index.content.decode()
    assert client.get("/admin/vouchers/voucher/").status_code == 200
    assert client.get("/admin/regions/auditentry/").status_code == 200
    voucher = demo["voucher"]
    page = client.get(f"/admin/vouchers/voucher/{voucher.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_the_operator_changes_nothing_in_the_admin(client, demo):
    client.force_login(demo["users"]["operator"])
    enterprise = demo["enterprises"]["enterprise-jiangnan"]
    response = client.post(
        f"/admin/vouchers/enterprise/{enterprise.pk}/change/", {"name": "Renamed"}
    )
    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.name != "Renamed"


def test_a_superuser_changes_no_money_state_or_scope(admin_client, demo):
    order = ServiceOrder.objects.order_by("id").first()
    contract = order.contract_amount
    response = admin_client.post(
        f"/admin/providers/serviceorder/{order.pk}/change/", {"contract_amount": "10.00"}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.contract_amount == contract

    voucher = Voucher.objects.order_by("id").first()
    assert (
        admin_client.post(
            f"/admin/vouchers/voucher/{voucher.pk}/change/", {"enterprise": 999}
        ).status_code
        == 403
    )

    official = demo["users"]["official-wujin"]
    page = admin_client.get(f"/admin/regions/user/{official.pk}/change/").content.decode()
    assert 'name="region"' not in page and 'name="role"' not in page


def test_the_operator_cannot_deactivate_a_superuser(client, demo, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x-Long-2026")
    client.force_login(demo["users"]["operator"])
    response = client.post(f"/people/{root.pk}/deactivate/", {"reason": "Why not"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_active


@pytest.mark.parametrize(
    "path",
    [
        "/admin/authtoken/tokenproxy/",
        "/admin/authtoken/token/",
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_static/staticdevice/",
    ],
)
def test_tokens_and_second_factor_keys_are_not_in_the_admin(client, demo, path):
    from django.contrib.auth import get_user_model

    superuser = get_user_model().objects.create_superuser("root-x", "root-x@example.com", "x")
    for user in (demo["users"]["operator"], superuser):
        client.force_login(user)
        assert client.get(path).status_code == 404
        index = client.get("/admin/").content.decode()
        assert "/admin/authtoken/" not in index
        assert "totpdevice" not in index and "staticdevice" not in index
