"""The demand list reads a long query as every other list does (the directory, the experts,
the managers: providers/search.py): its first words, saying which were left out. It answered
a query of more than 200 characters with a 400 and an error, and listed nothing."""

import pytest

from providers.search import MAX_QUERY_LENGTH, MAX_QUERY_WORDS

pytestmark = pytest.mark.django_db

SEED_DEMAND = "石墨烯粉体分散工艺"


def _titles(response) -> list[str]:
    return [demand.title for demand in response.context["page"].object_list]


def test_it_searches_the_first_characters_of_a_long_query(client, demo):
    # A word past the first MAX_QUERY_LENGTH characters is not asked for.
    q = "石墨烯" + "\u3000" * MAX_QUERY_LENGTH + "quantum"

    response = client.get("/demands/", {"q": q}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert any(SEED_DEMAND in title for title in _titles(response))
    assert response.context["filter_errors"] == []


def test_it_says_which_words_of_a_long_query_were_left_out(client, demo):
    words = ["石墨烯", "分散"] + [f"w{n:02d}" for n in range(60)]
    q = " ".join(words)
    assert len(q) > MAX_QUERY_LENGTH

    response = client.get("/demands/", {"q": q}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.content.decode()
    left_out = " ".join(words[MAX_QUERY_WORDS : MAX_QUERY_WORDS + 3])
    assert f"Only the first {MAX_QUERY_WORDS} words were searched; left out: {left_out} " in body
    assert "Ensure this value has at most" not in body


def test_the_other_filters_still_apply_to_a_long_query(client, demo):
    q = "石墨烯 " + "x" * (2 * MAX_QUERY_LENGTH)

    response = client.get("/demands/", {"q": q, "region": "nowhere"})

    assert response.status_code == 400  # the district, not the query
    assert len(response.context["filter_errors"]) == 1
    assert "District" in response.context["filter_errors"][0]


def test_the_api_reads_a_long_query_the_same_way(api_client, demo):
    q = "石墨烯" + "\u3000" * MAX_QUERY_LENGTH + "quantum"

    response = api_client.get("/api/demands/", {"q": q})

    assert response.status_code == 200
    titles = [demand["title"] for demand in response.json()["results"]]
    assert any(SEED_DEMAND in title for title in titles)
    # As the other lists' APIs do with the same query.
    assert api_client.get("/api/experts/", {"q": q}).status_code == 200
    assert api_client.get("/api/providers/", {"q": q}).status_code == 200
