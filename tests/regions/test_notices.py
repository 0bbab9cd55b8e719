"""Notices and calls for applications: who publishes them, what the public reads, and the
application window a district's calls set."""

from datetime import timedelta

import pytest
from django.utils import timezone

from regions.models import AuditEntry, Notice
from tests.located import assert_located
from vouchers.models import VoucherApplication

pytestmark = pytest.mark.django_db


def iso(delta_days: float) -> str:
    return (timezone.now() + timedelta(days=delta_days)).isoformat()


def publish(client, **fields):
    body = {"kind": "news", "title": "Programme news", "body": "Text.", **fields}
    return client.post("/api/notices/", body, format="json")


def call(client, opens: float, closes: float, region="WUJIN"):
    return publish(
        client,
        kind="call",
        title="Spring call",
        title_zh="春季申报",
        region=region,
        opens_at=iso(opens),
        closes_at=iso(closes),
    )


def apply(api_as, demo):
    return api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "10000.00", "purpose": "Graphene powder yield"},
        format="json",
    )


def test_an_official_publishes_for_its_own_district(api_as, demo):
    response = publish(api_as(demo["users"]["official-wujin"]), kind="policy", region="WUJIN")

    assert_located(api_as(demo["users"]["official-wujin"]), response, "/api/notices/{id}/")
    notice = Notice.objects.get(pk=response.json()["id"])
    assert notice.region.code == "WUJIN"
    assert notice.published_by == demo["users"]["official-wujin"]
    assert AuditEntry.objects.filter(object_id=str(notice.pk), action="create").exists()


def test_an_officials_notice_without_a_district_is_its_districts(api_as, demo):
    response = publish(api_as(demo["users"]["official-wujin"]))

    assert response.json()["region"] == "WUJIN"


def test_the_operator_publishes_for_the_programme(api_as, demo):
    response = publish(api_as(demo["users"]["operator"]), kind="faq")

    assert response.status_code == 201
    assert response.json()["region"] is None


@pytest.mark.parametrize(
    ("username", "fields", "status"),
    [
        ("official-wujin", {"region": "NANHU"}, 403),
        ("enterprise-jiangnan", {}, 403),
        ("provider-sit", {}, 403),
        ("operator", {"kind": "memo"}, 400),
        ("operator", {"title": ""}, 400),
        ("operator", {"body": "   "}, 400),
        ("operator", {"title": "x" * 201}, 400),
        ("operator", {"kind": "call"}, 400),  # a call needs a district and its window
        ("official-wujin", {"kind": "call", "opens_at": iso(1)}, 400),
        ("official-wujin", {"kind": "call", "opens_at": iso(2), "closes_at": iso(1)}, 400),
        ("official-wujin", {"kind": "call", "opens_at": iso(-9), "closes_at": iso(-1)}, 400),
        ("official-wujin", {"region": "NOWHERE"}, 400),
        # Dates belong to a call: on news they were dropped unsaid, even in the wrong order.
        ("official-wujin", {"kind": "news", "opens_at": iso(2), "closes_at": iso(1)}, 400),
        ("official-wujin", {"kind": "faq", "closes_at": iso(3)}, 400),
        (
            "operator",
            {
                "kind": "call",
                "region": "NANHU",
                "opens_at": "9999-12-31T20:00:00Z",
                "closes_at": "9999-12-31T23:59:59Z",
            },
            400,
        ),
    ],
)
def test_bad_notices_are_refused_and_nothing_is_published(api_as, demo, username, fields, status):
    before = Notice.objects.count()

    response = publish(api_as(demo["users"][username]), **fields)

    assert response.status_code == status, response.content
    assert Notice.objects.count() == before


def test_anyone_reads_notices_filtered_by_district_and_kind(api_client, api_as, demo):
    official = api_as(demo["users"]["official-wujin"])
    call(official, -1, 30)
    publish(api_as(demo["users"]["official-nanhu"]), title="Nanhu news")
    publish(api_as(demo["users"]["operator"]), kind="faq", title="How to apply")

    wujin = api_client.get("/api/notices/?region=WUJIN").json()["results"]
    calls = api_client.get("/api/notices/?kind=call").json()["results"]

    titles = {n["title"] for n in wujin}
    assert {"Spring call", "How to apply"} <= titles
    assert "Nanhu news" not in titles
    assert {n["kind"] for n in calls} == {"call"}
    assert api_client.get("/api/notices/?kind=memo").status_code == 400


def test_a_district_without_calls_takes_applications_all_year(api_as, demo):
    call(api_as(demo["users"]["official-nanhu"]), 10, 40, region="NANHU")

    assert apply(api_as, demo).status_code == 201


def test_applications_inside_an_open_call_are_taken(api_as, demo):
    call(api_as(demo["users"]["official-wujin"]), -1, 30)

    assert apply(api_as, demo).status_code == 201


def test_applications_outside_every_call_are_refused_with_the_dates(api_as, demo):
    official = api_as(demo["users"]["official-wujin"])
    upcoming = call(official, 10, 40).json()

    response = apply(api_as, demo)

    assert response.status_code == 409
    assert response.json()["code"] == "outside_call_window"
    assert "Spring call" in response.json()["detail"]
    opens = timezone.localtime(timezone.datetime.fromisoformat(upcoming["opens_at"]))
    assert opens.strftime("%Y-%m-%d %H:%M (UTC+08:00)") in response.json()["detail"]
    assert not VoucherApplication.objects.filter(purpose="Graphene powder yield").exists()


def test_the_application_form_says_the_call_window_before_it_is_filled_in(api_as, client, demo):
    form = "/applications/new/"
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert "Spring call" not in client.get(form).content.decode()
    call(api_as(demo["users"]["official-wujin"]), 10, 40)
    page = client.get(form).content.decode()
    assert 'role="alert"' in page and "Spring call" in page


def test_the_public_pages_list_and_show_notices_in_the_readers_language(client, api_as, demo):
    notice = call(api_as(demo["users"]["official-wujin"]), -1, 30).json()

    listing = client.get("/notices/?region=WUJIN").content.decode()
    detail = client.get(f"/notices/{notice['id']}/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "Spring call" in listing
    assert detail.status_code == 200
    assert "春季申报" in detail.content.decode()


def test_an_official_publishes_from_the_page(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    assert client.get("/notices/new/").status_code == 200

    refused = client.post("/notices/new/", {"kind": "call", "title": "Call", "body": "Text"})
    response = client.post(
        "/notices/new/", {"kind": "faq", "title": "Who may apply?", "body": "Enterprises."}
    )

    assert refused.status_code == 400
    assert response.status_code == 302
    assert Notice.objects.get(title="Who may apply?").region.code == "WUJIN"
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert client.get("/notices/new/").status_code == 403


def test_a_withdrawn_call_leaves_the_site_and_stops_closing_applications(api_as, client, demo):
    official = api_as(demo["users"]["official-wujin"])
    notice = call(official, 10, 40).json()
    assert apply(api_as, demo).status_code == 409

    refused = [
        api_as(demo["users"]["official-nanhu"]).post(
            f"/api/notices/{notice['id']}/withdraw/", {"reason": "Not ours."}, format="json"
        ),
        official.post(f"/api/notices/{notice['id']}/withdraw/", {"reason": ""}, format="json"),
    ]
    response = official.post(
        f"/api/notices/{notice['id']}/withdraw/", {"reason": "Wrong year."}, format="json"
    )

    assert [r.status_code for r in refused] == [403, 400]
    assert response.status_code == 204
    withdrawn = Notice.objects.get(pk=notice["id"])
    assert withdrawn.withdrawn_reason == "Wrong year."
    assert AuditEntry.objects.filter(object_id=str(withdrawn.pk), action="withdraw").exists()
    assert client.get(f"/notices/{notice['id']}/").status_code == 404
    assert "Spring call" not in client.get("/notices/").content.decode()
    assert apply(api_as, demo).status_code == 201


def test_the_operator_withdraws_from_the_page(client, api_as, demo):
    notice = publish(api_as(demo["users"]["official-nanhu"]), title="Old news").json()
    client.force_login(demo["users"]["operator"])
    assert (
        f"/notices/{notice['id']}/withdraw/"
        in client.get(f"/notices/{notice['id']}/").content.decode()
    )

    assert client.post(f"/notices/{notice['id']}/withdraw/", {"reason": ""}).status_code == 400
    response = client.post(f"/notices/{notice['id']}/withdraw/", {"reason": "Outdated."})

    assert response.status_code == 302
    assert Notice.objects.get(pk=notice["id"]).withdrawn_at is not None
    # Those who keep it still find it, with its history and the reason (it was a 404).
    listing = client.get("/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Withdrawn notices" in listing and f"/notices/{notice['id']}/" in listing
    page = client.get(f"/notices/{notice['id']}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Withdrawn on" in page.content.decode() and "Outdated." in page.content.decode()
    assert f"/notices/{notice['id']}/withdraw/" not in page.content.decode()
    client.force_login(demo["users"]["official-nanhu"])
    assert client.get(f"/notices/{notice['id']}/").status_code == 200
    for outsider in ("official-wujin", "enterprise-jiangnan"):
        client.force_login(demo["users"][outsider])
        assert client.get(f"/notices/{notice['id']}/").status_code == 404
        assert "Old news" not in client.get("/notices/").content.decode()


def test_the_publisher_corrects_a_notice_through_the_api_and_others_cannot(api_as, demo):
    official = api_as(demo["users"]["official-wujin"])
    notice = call(official, 10, 40).json()
    url = f"/api/notices/{notice['id']}/"

    refused = [
        api_as(demo["users"]["official-nanhu"]).patch(url, {"title": "Ours"}, format="json"),
        api_as(demo["users"]["enterprise-jiangnan"]).patch(url, {"title": "X"}, format="json"),
        official.patch(url, {"title": "", "title_zh": ""}, format="json"),  # no title left
        official.patch(url, {"closes_at": iso(5)}, format="json"),  # before it opens
        official.patch(url, {"kind": "news", "title": 5 * "x" * 50}, format="json"),
    ]
    response = official.patch(
        url, {"title": "Spring call (corrected)", "opens_at": iso(-1)}, format="json"
    )

    assert [r.status_code for r in refused] == [403, 403, 400, 400, 400]
    assert response.status_code == 200, response.content
    saved = Notice.objects.get(pk=notice["id"])
    assert (saved.title, saved.title_zh, saved.kind) == (
        "Spring call (corrected)",
        "春季申报",
        "call",
    )
    assert saved.opens_at < timezone.now()
    entry = AuditEntry.objects.filter(object_id=str(saved.pk), action="update").get()
    assert entry.data["changed"] == ["opens_at", "title"]
    assert apply(api_as, demo).status_code == 201  # the corrected window is open now


def test_an_official_edits_its_notice_from_the_page(client, api_as, demo):
    notice = publish(api_as(demo["users"]["official-wujin"]), title="Old title").json()
    client.force_login(demo["users"]["official-wujin"])
    page = client.get(f"/notices/{notice['id']}/").content.decode()
    assert f"/notices/{notice['id']}/edit/" in page

    bad = client.post(f"/notices/{notice['id']}/edit/", {"title": "", "body": "Text."})
    response = client.post(
        f"/notices/{notice['id']}/edit/", {"title": "New title", "body": "New text."}
    )

    assert bad.status_code == 400
    assert response.status_code == 302
    assert Notice.objects.get(pk=notice["id"]).title == "New title"
    client.force_login(demo["users"]["official-nanhu"])
    assert client.get(f"/notices/{notice['id']}/edit/").status_code == 403


def test_a_correction_from_a_page_opened_before_another_is_refused(client, api_as, demo):
    """Two officials correcting one notice: the later save undid the earlier one."""
    import re

    notice = publish(api_as(demo["users"]["official-wujin"]), title="Old title").json()
    path = f"/notices/{notice['id']}/edit/"
    client.force_login(demo["users"]["official-wujin"])

    def opened() -> str:
        page = client.get(path).content.decode()
        return re.search(r'name="edited_from" value="([0-9a-f]+)"', page).group(1)

    first, second = opened(), opened()
    body = {"body": "Text."}
    assert client.post(path, {**body, "title": "First", "edited_from": first}).status_code == 302
    stale = client.post(path, {**body, "title": "Second", "edited_from": second})
    assert stale.status_code == 409
    assert "Someone changed this since you opened the form" in stale.content.decode()
    assert Notice.objects.get(pk=notice["id"]).title == "First"


def test_a_notice_title_with_direction_characters_is_refused(api_as, demo):
    client = api_as(demo["users"]["official-wujin"])

    response = publish(client, region="WUJIN", title_zh="\u202e")

    assert response.status_code == 400
    assert response.json()["code"] == "hidden_characters"
    assert not Notice.objects.filter(title_zh="\u202e").exists()


def test_an_application_purpose_of_invisible_characters_is_refused(api_as, demo):
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "10000.00", "purpose": "\u200b\u200b"},
        format="json",
    )

    assert response.status_code == 400 and "purpose" in response.json()


def test_a_district_publishes_in_chinese_alone_and_english_readers_see_it(api_as, client, demo):
    official = api_as(demo["users"]["official-nanhu"])

    response = official.post(
        "/api/notices/",
        {
            "kind": "news",
            "region": "NANHU",
            "title_zh": "南湖区创新券说明会",
            "body_zh": "周五下午两点。",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    page = client.get("/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "南湖区创新券说明会" in page
    # Neither language at all is still refused.
    empty = official.post("/api/notices/", {"kind": "news", "region": "NANHU"}, format="json")
    assert empty.status_code == 400 and "title" in empty.json()


def test_a_notices_history_is_shown_to_those_who_may_withdraw_it(client, demo):
    from regions.notices import notice_publish

    notice = notice_publish(
        actor=demo["users"]["official-wujin"],
        kind="news",
        title="Office closed",
        body="On Friday.",
        region=demo["regions"]["WUJIN"],
    )
    assert "History" not in client.get(f"/notices/{notice.pk}/").content.decode()
    client.force_login(demo["users"]["official-wujin"])
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert 'id="audit-title"' in page and "official-wujin" in page
    client.force_login(demo["users"]["official-nanhu"])
    assert 'id="audit-title"' not in client.get(f"/notices/{notice.pk}/").content.decode()


def test_a_notice_edited_through_the_api_may_keep_its_chinese_words_alone(api_as, demo):
    """Publishing and the page take one title and one text in either language; the API's
    edit refused an emptied English title ("This field may not be blank")."""
    official = api_as(demo["users"]["official-wujin"])
    created = official.post(
        "/api/notices/", {"kind": "news", "title_zh": "仅中文", "body_zh": "正文"}, format="json"
    )
    assert created.status_code == 201, created.content
    url = f"/api/notices/{created.json()['id']}/"
    english = official.patch(url, {"title": "English too", "body": "Text."}, format="json")
    assert english.status_code == 200, english.content
    chinese_only = official.patch(
        url, {"title": "", "body": "", "title_zh": "只有中文", "body_zh": "中文正文"}, format="json"
    )
    assert chinese_only.status_code == 200, chinese_only.content
    saved = Notice.objects.get(pk=created.json()["id"])
    assert (saved.title, saved.body, saved.title_zh) == ("", "", "只有中文")
    nothing = official.patch(url, {"title_zh": "", "body_zh": ""}, format="json")
    assert nothing.status_code == 400


def test_an_official_asking_for_the_whole_programme_is_told_it_is_the_operators(api_as, demo):
    """`"region": null` from an official was published for the official's district unsaid."""
    official = api_as(demo["users"]["official-wujin"])
    before = Notice.objects.count()
    body = {"kind": "news", "title": "For everyone", "body": "Text.", "region": None}
    refused = official.post("/api/notices/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert "whole programme" in refused.json()["detail"]
    assert Notice.objects.count() == before
    del body["region"]  # left out: the official's own district, as before
    created = official.post("/api/notices/", body, format="json")
    assert created.status_code == 201 and created.json()["region"] == "WUJIN"
    operator = api_as(demo["users"]["operator"])
    whole = operator.post("/api/notices/", {**body, "region": None}, format="json")
    assert whole.status_code == 201 and whole.json()["region"] is None
