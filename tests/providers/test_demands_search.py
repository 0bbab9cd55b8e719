"""Searching demands: every word in the title or description, on PostgreSQL through the
trigram indexes of migration 0005."""

import pytest
from django.db import connection

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
