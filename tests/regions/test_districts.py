import pytest
from django.core.management import call_command
from django.urls import reverse

from providers.models import Provider, ServiceCategory, ServiceOrder
from regions.models import AuditEntry, ProgrammeRules, Region, User
from vouchers.models import Enterprise, Voucher

pytestmark = pytest.mark.django_db


def test_the_data_migration_creates_the_four_districts():
    codes = list(Region.objects.values_list("code", "short_code", "name_zh"))
    assert codes == [
        ("YANGPU", "YP", "杨浦区"),
        ("WUJIN", "WJ", "武进区"),
        ("NANHU", "NH", "南湖区"),
        ("HEFEI_HT", "HF", "合肥高新区"),
    ]


def test_the_data_migration_creates_the_seven_service_categories():
    assert ServiceCategory.objects.count() == 7


def test_seed_demo_tells_the_seed_story(demo):
    assert Provider.objects.filter(status="certified").count() == 4
    assert {p.region.code for p in Provider.objects.all()} == {
        "YANGPU",
        "WUJIN",
        "NANHU",
        "HEFEI_HT",
    }
    order = demo["order"]
    assert order.title == "Graphene powder preparation process optimization technology research"
    assert order.enterprise.region.code == "WUJIN"
    assert order.provider.name == "Shanghai Institute of Technology"
    assert order.provider.region.code == "YANGPU"
    assert order.voucher.serial.startswith("WJ-")
    rules = ProgrammeRules.objects.get(region__code="WUJIN")
    assert rules.committed == order.voucher.face_value
    expected = {
        "operator",
        "official-yangpu",
        "official-wujin",
        "official-nanhu",
        "official-hefei",
        "provider-sit",
        "provider-graphene",
        "provider-weikai",
        "provider-ustc",
        "enterprise-jiangnan",
        "enterprise-yangpu",
        "enterprise-nanhu",
        "enterprise-hefei",
    }
    assert expected <= set(User.objects.values_list("username", flat=True))


def test_seed_demo_is_idempotent(demo, password):
    counts = [
        m.objects.count()
        for m in (User, Provider, Enterprise, Voucher, ServiceOrder, ProgrammeRules, AuditEntry)
    ]
    call_command("seed_demo", password=password, verbosity=0)
    assert [
        m.objects.count()
        for m in (User, Provider, Enterprise, Voucher, ServiceOrder, ProgrammeRules, AuditEntry)
    ] == counts


def test_seed_demo_refuses_a_short_password(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", password="short", verbosity=0)


def test_the_home_page_lists_the_four_districts(client, demo):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    for name in ["Yangpu District", "Wujin District", "Nanhu District", "Hefei High-tech Zone"]:
        assert name in response.content.decode()


def test_demo_users_log_in(client, demo, password):
    response = client.post(reverse("login"), {"username": "official-wujin", "password": password})
    assert response.status_code == 302
    assert client.get(reverse("dashboard"), follow=True).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, demo):
    response = client.post(
        reverse("login"), {"username": "official-wujin", "password": "nope-nope"}
    )
    assert response.status_code == 400
    assert b"form-error" in response.content


def test_chinese_is_served_when_the_browser_asks_for_it(client, demo):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert 'lang="zh-hans"' in response.content.decode()
