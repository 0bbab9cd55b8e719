"""The people list's search finds a person by the name as the list shows it: 王芳 (family
name first, no space) for 王 and 芳, "Fang Wang" or "Wang Fang" for a name in letters. It
found 王 alone, never the whole name."""

import pytest

from regions.models import User
from regions.selectors import people_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang_fang(demo):
    User.objects.filter(username="official-wujin-2").update(first_name="芳", last_name="王")
    return User.objects.get(username="official-wujin-2")


@pytest.fixture
def fang_wang(demo):
    User.objects.filter(username="official-nanhu").update(first_name="Fang", last_name="Wang")
    return User.objects.get(username="official-nanhu")


def found(client, q: str) -> set[str]:
    response = client.get("/people/", {"q": q})
    assert response.status_code == 200
    return {person.username for person in response.context["page"].object_list}


def test_the_operator_finds_a_chinese_name_as_it_is_shown(client, demo, wang_fang):
    client.force_login(demo["users"]["operator"])

    assert wang_fang.get_full_name() == "王芳"
    assert found(client, "王芳") == {"official-wujin-2"}


def test_an_official_finds_its_colleague_by_the_whole_name(client, demo, wang_fang):
    client.force_login(demo["users"]["official-wujin"])

    assert found(client, "王芳") == {"official-wujin-2"}


@pytest.mark.parametrize("q", ["Fang Wang", "wang fang"])
def test_a_name_in_letters_is_found_in_either_order(client, demo, fang_wang, q):
    client.force_login(demo["users"]["operator"])

    assert found(client, q) == {"official-nanhu"}


def test_the_search_by_name_is_one_query(demo, wang_fang, django_assert_num_queries):
    people = people_visible_to(demo["users"]["operator"], q="王芳")

    with django_assert_num_queries(1):
        assert [person.username for person in people] == ["official-wujin-2"]
