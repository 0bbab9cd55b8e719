"""The notice form asks a Chinese reader for the Chinese title and text first; an English
reader for the English ones first (it was English first in both)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "first", "then"),
    [("zh-hans", ["title_zh", "title", "body_zh", "body"], "opens_at"),
     ("en", ["title", "title_zh", "body", "body_zh"], "opens_at")],
)  # fmt: skip
def test_the_readers_language_comes_first(client, demo, language, first, then):
    client.force_login(demo["users"]["official-wujin"])
    response = client.get("/notices/new/", HTTP_ACCEPT_LANGUAGE=language)
    names = [name for name in response.context["form"].fields if name in {*first, then}]
    assert names == [*first, then]
    page = response.content.decode()
    positions = [page.index(f'name="{name}"') for name in first]
    assert positions == sorted(positions)
