"""A search of several words finds what holds every word, each in any of the searched fields,
on every search box: the provider directory, the expert and technology-manager libraries, the
demand list, and their API filters (providers/search.py). Runs on SQLite and PostgreSQL."""

import pytest

from providers.search import MAX_QUERY_LENGTH, MAX_QUERY_WORDS, search_words

pytestmark = pytest.mark.django_db

SIT = "Shanghai Institute of Technology"
GRAPHENE = "Jiangnan Graphene Research Institute"


def _names(response) -> set[str]:
    assert response.status_code == 200
    return {row.name for row in response.context["page"].object_list}


def test_the_words_are_split_on_any_space_and_capped():
    assert search_words(" 石墨烯\u3000分散  graphene\tdispersion ") == [
        "石墨烯",
        "分散",
        "graphene",
        "dispersion",
    ]
    assert search_words("a b a") == ["a", "b"]
    assert search_words("") == [] and search_words(None) == []
    many = " ".join(f"w{i}" for i in range(50))
    assert search_words(many) == [f"w{i}" for i in range(MAX_QUERY_WORDS)]
    # Only the first characters are read: a word past them is not asked for.
    assert search_words("x" * MAX_QUERY_LENGTH + " tail") == ["x" * MAX_QUERY_LENGTH]


@pytest.mark.parametrize("q", ["石墨烯 分散", "石墨烯\u3000分散", "graphene dispersion"])
def test_the_directory_finds_a_provider_whose_services_hold_every_word(client, demo, q):
    # Both institutes' services speak of graphene and of dispersion (in English and Chinese).
    assert _names(client.get("/providers/", {"q": q})) == {SIT, GRAPHENE}


def test_the_directory_needs_every_word(client, demo):
    # Each word alone finds a provider; no provider holds both.
    assert _names(client.get("/providers/", {"q": "石墨烯"}))
    assert _names(client.get("/providers/", {"q": "EMC"}))
    assert _names(client.get("/providers/", {"q": "石墨烯 EMC"})) == set()
    # A word in the name and another in a service: found.
    assert _names(client.get("/providers/", {"q": "Jiangnan Raman"})) == {GRAPHENE}


def test_the_providers_api_and_export_search_every_word(api_client, demo):
    body = api_client.get("/api/providers/", {"search": "石墨烯 分散"}).json()
    assert {p["name"] for p in body["results"]} == {SIT, GRAPHENE}
    body = api_client.get("/api/providers/", {"search": "graphene EMC"}).json()
    assert body["results"] == []
    # `q` as on the other libraries' lists (it was ignored: every provider came back).
    body = api_client.get("/api/providers/", {"q": "石墨烯 分散"}).json()
    assert {p["name"] for p in body["results"]} == {SIT, GRAPHENE}


@pytest.mark.parametrize("q", ["Graphene materials", "Wei Li", "李伟 Jiangnan", "graphene\u3000Li"])
def test_the_expert_library_finds_an_expert_by_words_across_fields(client, api_client, demo, q):
    assert "Li Wei" in _names(client.get("/experts/", {"q": q}))
    results = api_client.get("/api/experts/", {"q": q}).json()["results"]
    assert "Li Wei" in {e["name"] for e in results}


def test_the_expert_library_needs_every_word(client, api_client, demo):
    assert _names(client.get("/experts/", {"q": "Graphene EMC"})) == set()
    assert api_client.get("/api/experts/", {"q": "Graphene EMC"}).json()["results"] == []


def test_the_manager_library_finds_a_manager_by_name_and_organisation(client, api_client, demo):
    assert _names(client.get("/technology-managers/", {"q": "Lei Zhao"})) == {"Zhao Lei"}
    assert _names(client.get("/technology-managers/", {"q": "赵磊 Transfer"})) == {"Zhao Lei"}
    assert _names(client.get("/technology-managers/", {"q": "Zhao Incubator"})) == set()
    results = api_client.get("/api/technology-managers/", {"q": "Lei Zhao"}).json()["results"]
    assert [m["name"] for m in results] == ["Zhao Lei"]


def test_the_demand_list_searches_the_same_way(client, demo):
    titles = {d.title for d in client.get("/demands/", {"q": "石墨烯\u3000分散"}).context["page"]}
    assert any("石墨烯粉体分散工艺" in t for t in titles)
    assert not list(client.get("/demands/", {"q": "石墨烯 quantum"}).context["page"])


def test_a_hostile_query_is_read_only_up_to_the_cap(client, api_client, demo):
    # Eight words that match, then one that does not: the ninth is not asked for.
    words = ["graphene"[: n + 1] for n in range(MAX_QUERY_WORDS)]
    assert _names(client.get("/providers/", {"q": " ".join(words)})) == {SIT, GRAPHENE}
    q = " ".join([*words, "nothing"])
    assert _names(client.get("/providers/", {"q": q})) == {SIT, GRAPHENE}
    assert _names(client.get("/providers/", {"q": "nothing " + q})) == set()
    long_word = "graphene " + "x" * 5000
    assert client.get("/experts/", {"q": long_word}).status_code == 200
    assert api_client.get("/api/experts/", {"q": long_word}).status_code == 200


@pytest.mark.parametrize(
    "q", ["石墨烯，分散", "石墨烯、分散", "石墨烯,分散", "ＧＲＡＰＨＥＮＥ　分散"]
)
def test_words_typed_with_a_chinese_input_method_are_words(client, demo, q):
    """A full-width comma between words, or full-width letters, found nothing."""
    assert _names(client.get("/providers/", {"q": q})) == {SIT, GRAPHENE}


@pytest.mark.parametrize("path", ["/providers/", "/experts/", "/technology-managers/", "/demands/"])
def test_a_query_of_more_words_than_are_searched_says_which_were_left_out(client, demo, path):
    """The ninth word matched nothing, and the page listed what the first eight matched."""
    client.force_login(demo["users"]["provider-sit"])
    page = client.get(path, {"q": "a b c d e f g h 不存在"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Only the first 8 words were searched; left out: 不存在." in page.content.decode()
    assert "were searched" not in client.get(path, {"q": "石墨烯"}).content.decode()
