"""The operator's dashboard links each batch to its page; the batch page lists, a page at a
time, the redemptions the batch settled (an official: those of its own district)."""

import re

import pytest

from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


def test_the_operator_dashboard_links_each_batch(client, demo, computed):
    batch, _ = computed
    client.force_login(demo["users"]["operator"])
    body = client.get("/operator/").content.decode()
    assert f'<a href="/settlement/{batch.pk}/">Batch #{batch.pk}</a>' in body


def test_the_batch_page_lists_its_redemptions_paginated(client, demo, computed):
    batch, _ = computed
    settled = list(
        Redemption.objects.filter(settlement_item__batch=batch).order_by("decided_at", "id")
    )
    assert len(settled) > 10
    client.force_login(demo["users"]["operator"])
    first = client.get(f"/settlement/{batch.pk}/?page_size=10")
    page = first.context["redemptions"]
    assert [r.pk for r in page] == [r.pk for r in settled[:10]]
    body = first.content.decode()
    for redemption in settled[:10]:
        assert f'href="/redemptions/{redemption.pk}/"' in body
    assert f'href="/redemptions/{settled[10].pk}/"' not in body
    assert re.search(r'href="\?page_size=10&amp;page=2"', body)
    second = client.get(f"/settlement/{batch.pk}/?page_size=10&page=2").context["redemptions"]
    assert [r.pk for r in second] == [r.pk for r in settled[10:20]]
    # Every redemption of the batch, no other.
    total = client.get(f"/settlement/{batch.pk}/").context["redemptions"].paginator.count
    assert total == len(settled) == batch.redemption_count


def test_an_official_sees_only_its_districts_settled_redemptions(client, demo, computed):
    batch, _ = computed
    wujin = demo["regions"]["WUJIN"]
    client.force_login(demo["users"]["official-wujin"])
    listed = client.get(f"/settlement/{batch.pk}/?page_size=100").context["redemptions"]
    expected = Redemption.objects.filter(settlement_item__batch=batch).filter(
        issuing_region=wujin
    ) | Redemption.objects.filter(settlement_item__batch=batch, provider_region=wujin)
    assert sorted(r.pk for r in listed) == sorted(expected.values_list("pk", flat=True))
    assert all(wujin.pk in (r.issuing_region_id, r.provider_region_id) for r in listed)


def test_an_open_batch_says_its_redemptions_are_being_claimed(client, demo):
    from regions.models import SettlementBatch

    batch = SettlementBatch.objects.create(cutoff="2020-01-01T00:00:00Z")
    client.force_login(demo["users"]["operator"])
    body = client.get(f"/settlement/{batch.pk}/").content.decode()
    assert "The workers are still claiming this batch" in body


def test_the_batch_page_names_districts_and_providers_in_the_readers_language(
    client, demo, computed
):
    batch, _ = computed
    redemption = Redemption.objects.filter(settlement_item__batch=batch).order_by("id").first()
    client.force_login(demo["users"]["operator"])
    body = client.get(
        f"/settlement/{batch.pk}/?page_size=200", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    ).content.decode()
    provider, region = redemption.provider, redemption.issuing_region
    assert provider.name_zh and region.name_zh
    # A cell with its column's label (data-label, for a phone's cards) around the name.
    cell = r"<td[^>]*>{}</td>"
    assert re.search(cell.format(re.escape(provider.name_zh)), body)
    assert re.search(cell.format(re.escape(region.name_zh)), body)
    assert not re.search(cell.format(re.escape(region.name)), body)


def test_the_api_lists_one_batchs_redemptions_and_one_providers(api_as, demo, computed):
    """`?settlement_batch=` and `?provider=` were ignored: every redemption came back."""
    batch, _ = computed
    api = api_as(demo["users"]["operator"])
    settled = set(
        Redemption.objects.filter(settlement_item__batch=batch).values_list("pk", flat=True)
    )
    listed = api.get(f"/api/redemptions/?settlement_batch={batch.pk}&page_size=100").json()
    assert {row["id"] for row in listed["results"]} == settled
    assert all(row["settlement_batch"] == batch.pk for row in listed["results"])
    assert api.get("/api/redemptions/?settlement_batch=999999").json()["results"] == []
    assert api.get("/api/redemptions/?settlement_batch=x").status_code == 400

    sit = demo["providers"]["provider-sit"]
    of_sit = api.get(f"/api/redemptions/?provider={sit.pk}&page_size=100").json()["results"]
    assert of_sit and {row["provider"] for row in of_sit} == {sit.pk}
    assert len(of_sit) == Redemption.objects.filter(provider=sit).count()
