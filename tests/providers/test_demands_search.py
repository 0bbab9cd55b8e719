"""Searching demands: every word in the title or description; on PostgreSQL through the
search tokens' GIN index (providers/search.py, migration 0012), so two-character Chinese
words are answered from an index too."""

import pytest
from django.db import connection

import portal.api
from providers import services
from providers.models import Demand
from providers.search import search_terms, search_tsquery
from providers.selectors import demand_search
from tests.providers.demand_factories import publish

pytestmark = pytest.mark.django_db


def test_it_finds_the_seed_demand_in_chinese_and_english(api_as, users):
    client = api_as(users["provider-sit"])
    for q in ("石墨烯粉体", "graphene DISPERSION"):
        titles = [d["title"] for d in client.get("/api/demands/", {"q": q}).json()["results"]]
        assert any("石墨烯粉体分散工艺" in t for t in titles), q
    assert client.get("/api/demands/", {"q": "quantum teleportation"}).json()["results"] == []


def test_the_page_searches_too(client, users):
    publish(users["enterprise-yangpu"], title="Sensor drift compensation")
    page = client.get("/demands/", {"q": "drift"}).content.decode()
    assert "Sensor drift compensation" in page
    assert "石墨烯粉体分散工艺" not in page


@pytest.mark.postgres
def test_postgres_answers_with_the_trigram_index(users):
    publish(users["enterprise-jiangnan"], title="Battery slurry viscosity")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM providers_demand WHERE UPPER(title::text) LIKE UPPER(%s)",
            ["%slurry%"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "demand_title_trgm_idx" in plan


def test_the_tokens_are_latin_words_and_chinese_bigrams():
    assert (
        search_terms("Sensor-drift 检测报告", "5G检测 a") == "sensor drift 检测 测报 报告 5g 检测 a"
    )
    assert search_tsquery("Sensor 检测报告 报") == ("sensor:* & 检测 & 测报 & 报告", ["报"])
    assert search_tsquery("  ！？ ") == ("", [])


def _found(q):
    return set(demand_search(Demand.objects.all(), q=q).values_list("title", flat=True))


def test_a_two_character_chinese_word_finds_the_demands_that_hold_it(users):
    publish(users["enterprise-yangpu"], title="传感器检测", description="需要第三方实验室。")
    publish(users["enterprise-yangpu"], title="电池回收", description="委托检测重金属含量。")
    publish(users["enterprise-yangpu"], title="电机控制", description="优化驱动算法。")
    found = _found("检测")
    assert {"传感器检测", "电池回收"} <= found
    assert "电机控制" not in found


def test_a_mixed_query_needs_every_word(users):
    publish(users["enterprise-yangpu"], title="Sensor 漂移校准", description="Field units.")
    publish(users["enterprise-yangpu"], title="Sensor drift", description="No calibration.")
    publish(users["enterprise-yangpu"], title="仪器校准", description="Lab units.")
    assert _found("sensor 校准") == {"Sensor 漂移校准"}
    assert _found("SENS 漂移") == {"Sensor 漂移校准"}


def test_an_edit_updates_what_the_search_finds(users):
    owner = users["enterprise-yangpu"]
    demand = publish(owner, title="Battery slurry", description="Viscosity control.")
    assert "Battery slurry" in _found("slurry")
    services.demand_edit(demand=demand, actor=owner, title="电池浆料", description="粘度控制。")
    assert _found("slurry") == set()
    assert _found("浆料") == {"电池浆料"}


def test_the_page_counts_at_most_the_cap(client, users, monkeypatch):
    for title in ("Cap one", "Cap two", "Cap three"):
        publish(users["enterprise-yangpu"], title=title)
    monkeypatch.setattr(portal.api, "COUNT_CAP", 1)
    page = client.get("/demands/", {"page_size": 1}).content.decode()
    assert "More than 1 demands found" in page
    assert "Page 1 of" not in page
    monkeypatch.setattr(portal.api, "COUNT_CAP", 10_000)
    n = Demand.objects.filter(visibility="public").count()
    assert f"{n} demands found" in client.get("/demands/").content.decode()


@pytest.mark.postgres
def test_postgres_answers_a_chinese_word_with_the_tokens_index(users):
    publish(users["enterprise-jiangnan"], title="质量检测")
    query = demand_search(Demand.objects.all(), q="检测 quality").values("id").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "demand_search_terms_idx" in plan
