"""A call for applications that opens later closes a district's applications, open all year
while it had no call, from the moment it is published until it opens: the publisher is told
so on the form and after saving, and an enterprise that tries to apply meanwhile is told when
applications open. Both were silent: the district simply stopped taking applications."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from regions.models import Notice
from regions.selectors import call_publish_warning, call_window_refusal

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(moment: datetime) -> str:
    """As a datetime-local input sends it (the pages' time zone)."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def shown(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M (UTC+08:00)")


def in_days(days: float) -> datetime:
    """A moment `days` from now, to the minute (what the form keeps)."""
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)


def publish_call(client, opens: datetime, closes: datetime, **fields):
    return client.post(
        "/notices/new/",
        {
            "kind": "call",
            "title": "Autumn call",
            "body": "Apply from the opening date.",
            "opens_at": local(opens),
            "closes_at": local(closes),
            **fields,
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_official_is_told_a_later_call_closes_applications_until_it_opens(client, demo):
    opens, closes = in_days(10), in_days(40)
    client.force_login(demo["users"]["official-wujin"])

    response = publish_call(client, opens, closes)

    assert response.redirect_chain and response.status_code == 200
    page = response.content.decode()
    assert "message-warning" in page
    assert (
        f"Applications in Wujin District are closed from now until this call opens on "
        f"{shown(opens)}" in page
    )
    assert Notice.objects.filter(title="Autumn call", region__code="WUJIN").exists()


def test_an_enterprise_trying_to_apply_meanwhile_is_told_when_applications_open(client, demo):
    opens, closes = in_days(10), in_days(40)
    client.force_login(demo["users"]["official-wujin"])
    publish_call(client, opens, closes)
    client.force_login(demo["users"]["enterprise-jiangnan"])

    page = client.get("/applications/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'role="alert"' in page and "Autumn call" in page
    assert f"opens on {shown(opens)}" in page
    assert 'name="requested_amount"' not in page  # no form that could only be refused
    # Nor a promise of what may still be requested, on the form or the dashboard.
    assert "you may still request" not in page
    dashboard = client.get("/enterprise/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Applications are not open" in dashboard or "opens on" in dashboard
    assert "you may still request" not in dashboard


def test_the_form_names_the_districts_a_later_call_would_close(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    help_text = "Taking applications all year now, with no call: Wujin District."
    assert help_text in client.get("/notices/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    client.force_login(demo["users"]["operator"])
    page = client.get("/notices/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Hefei has its call for the year (the demo's); the three others have none.
    assert "with no call: Yangpu District, Wujin District, Nanhu District." in page

    client.force_login(demo["users"]["official-hefei"])
    page = client.get("/notices/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "with no call" not in page


def test_no_warning_when_a_call_keeps_applications_open_until_the_new_one(client, demo):
    """Hefei's call runs to the year's end: the next one opening then closes nothing."""
    hefei = Notice.objects.get(region__code="HEFEI_HT", kind="call")
    client.force_login(demo["users"]["official-hefei"])

    response = publish_call(
        client, hefei.closes_at, hefei.closes_at + timedelta(days=365), title="Next year's call"
    )

    assert Notice.objects.filter(title="Next year's call").exists()
    assert "message-warning" not in response.content.decode()


def test_a_gap_after_the_open_call_is_told_from_when_it_closes(demo):
    hefei = Notice.objects.get(region__code="HEFEI_HT", kind="call")
    opens = hefei.closes_at + timedelta(days=14)

    warning = call_publish_warning(
        region=demo["regions"]["HEFEI_HT"], opens_at=opens, closes_at=opens + timedelta(days=30)
    )

    assert warning == (
        f"Applications in Hefei High-tech Zone will be closed from {shown(hefei.closes_at)} "
        f"until this call opens on {shown(opens)}: no call is open in between."
    )


def test_no_warning_where_applications_are_closed_already_or_the_call_is_open(demo):
    wujin = demo["regions"]["WUJIN"]
    Notice.objects.create(
        kind="call",
        region=wujin,
        title="Spring call",
        body="Closed.",
        opens_at=in_days(-40),
        closes_at=in_days(-10),
        published_by=demo["users"]["official-wujin"],
    )
    assert call_window_refusal(wujin.pk)  # closed since the spring call closed

    assert call_publish_warning(region=wujin, opens_at=in_days(10), closes_at=in_days(40)) is None
    nanhu = demo["regions"]["NANHU"]
    assert call_publish_warning(region=nanhu, opens_at=in_days(-1), closes_at=in_days(40)) is None


def open_spring_call(demo) -> Notice:
    """Wujin's call, open since yesterday for a month."""
    return Notice.objects.create(
        kind="call",
        region=demo["regions"]["WUJIN"],
        title="Spring call",
        body="Open.",
        opens_at=in_days(-1),
        closes_at=in_days(30),
        published_by=demo["users"]["official-wujin"],
    )


def test_moving_the_open_call_to_open_later_is_told_on_saving(client, demo):
    official = demo["users"]["official-wujin"]
    call = open_spring_call(demo)
    opens = in_days(5)
    client.force_login(official)

    response = client.post(
        f"/notices/{call.pk}/edit/",
        {
            "title": "Spring call",
            "body": "Open.",
            "opens_at": local(opens),
            "closes_at": local(call.closes_at),
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    call.refresh_from_db()
    assert call.opens_at == opens
    assert (
        f"Applications in Wujin District are closed from now until this call opens on "
        f"{shown(opens)}" in response.content.decode()
    )


def test_moving_a_future_call_to_open_later_is_told_too(demo):
    """The district's one call opens in five days: applications are closed until then. Moved
    to open two days later, they stay closed two days longer: its editor is told."""
    wujin = demo["regions"]["WUJIN"]
    call = Notice.objects.create(
        kind="call",
        region=wujin,
        title="Winter call",
        body="Soon.",
        opens_at=in_days(5),
        closes_at=in_days(40),
        published_by=demo["users"]["official-wujin"],
    )
    later = in_days(7)

    warning = call_publish_warning(
        region=wujin, opens_at=later, closes_at=call.closes_at, notice_id=call.pk
    )

    assert warning.startswith(
        f"Applications in Wujin District are closed from now until this call opens on "
        f"{shown(later)}"
    )
    # Moved to open earlier, or a new call beside it: nothing to say (closed now already).
    assert (
        call_publish_warning(
            region=wujin, opens_at=in_days(3), closes_at=call.closes_at, notice_id=call.pk
        )
        is None
    )
    assert call_publish_warning(region=wujin, opens_at=in_days(50), closes_at=in_days(60)) is None


def test_the_api_returns_the_warning_with_the_call_it_published(api_as, demo):
    """Published through the API, the same call closed the district's applications without a
    word to its publisher."""
    opens = in_days(10)
    api = api_as(demo["users"]["official-wujin"])
    body = {"kind": "call", "title": "Autumn call", "body": "Apply from the opening date."}

    response = api.post(
        "/api/notices/",
        {**body, "opens_at": opens.isoformat(), "closes_at": in_days(40).isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 201, response.content
    assert response.json()["warning"].startswith(
        f"Applications in Wujin District are closed from now until this call opens on "
        f"{shown(opens)}"
    )
    policy = api.post("/api/notices/", {**body, "kind": "policy"}, format="json")
    assert policy.status_code == 201 and policy.json()["warning"] is None


def test_the_api_warns_in_chinese_and_on_moving_a_call(api_as, demo):
    official = demo["users"]["official-wujin"]
    call = open_spring_call(demo)
    api = api_as(official)

    kept = api.patch(f"/api/notices/{call.pk}/", {"title": "Spring call (open)"}, format="json")
    moved = api.patch(
        f"/api/notices/{call.pk}/",
        {"opens_at": in_days(5).isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert kept.status_code == 200 and kept.json()["warning"] is None
    assert moved.status_code == 200, moved.content
    assert "武进" in moved.json()["warning"] and "申请" in moved.json()["warning"]
