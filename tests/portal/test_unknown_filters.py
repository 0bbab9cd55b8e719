"""A list filtered by a district, category, kind or state that is none of its own (typed, or
from an old link) lists nothing, answers 400 and says which: it used to be dropped unsaid, and
the whole list read as filtered (the redemptions' own CSV link answered 400 meanwhile)."""

import pytest

pytestmark = pytest.mark.django_db

CASES = [
    ("/providers/?region=XX", "District: “XX” is none of its choices.", None),
    ("/providers/?category=zzz", "Category: “zzz” is none of its choices.", None),
    ("/experts/?category=zzz", "Category: “zzz” is none of its choices.", None),
    ("/technology-managers/?region=XX", "District: “XX” is none of its choices.", None),
    ("/demands/?status=zzz", "No demand is ever in a state called “zzz”.", None),
    ("/demands/?region=XX", "District: “XX” is none of its choices.", None),
    ("/notices/?kind=zzz", "No notice is of a kind called “zzz”.", None),
    ("/notices/?region=99", "No district has the code “99”.", None),
    ("/redemptions/?status=zzz", "Status: “zzz” is none of its choices.", "operator"),
    ("/orders/?status=zzz", "No order is ever in a state called “zzz”.", "enterprise-jiangnan"),
    ("/provider-notices/?status=zzz", "No public notice is ever in a state called “zzz”.", None),
    ("/provider-notices/?region=XX", "No district has the code “XX”.", None),
]


@pytest.mark.parametrize(("url", "says", "user"), CASES)
def test_an_unknown_filter_lists_nothing_and_says_which(client, demo, url, says, user):
    if user:
        client.force_login(demo["users"][user])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 400
    errors = body.split('id="filter-errors"', 1)[1].split("</div>", 1)[0]
    assert says in errors
    assert "zzz" in errors or "XX" in errors or "99" in errors


@pytest.mark.parametrize(
    ("url", "user"),
    [
        ("/providers/?region=WUJIN", None),
        ("/experts/", None),
        ("/technology-managers/?region=YANGPU", None),
        ("/demands/?status=open", None),
        ("/notices/?kind=policy&region=WUJIN", None),
        ("/redemptions/?status=pending", "operator"),
        ("/orders/?status=accepted", "enterprise-jiangnan"),
        ("/provider-notices/?region=WUJIN", None),
    ],
)
def test_a_known_filter_still_filters(client, demo, url, user):
    if user:
        client.force_login(demo["users"][user])
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="filter-errors"' not in response.content.decode()


def test_the_message_is_in_chinese(client, demo):
    response = client.get("/providers/?region=XX", HTTP_ACCEPT_LANGUAGE="zh-hans")
    errors = response.content.decode().split('id="filter-errors"', 1)[1].split("</div>", 1)[0]
    assert response.status_code == 400 and "区：没有“XX”这一选项。" in errors


def test_the_directory_lists_nothing_under_an_unknown_district(client, demo):
    name = demo["providers"]["provider-sit"].name
    assert name in client.get("/providers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    refused = client.get("/providers/?region=XX", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert name not in refused
