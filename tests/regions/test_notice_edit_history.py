"""A notice's edit records what it changed (old and new of a title or a date, the lengths of
a text), and the notice's page shows it to those who keep the notice: the history said
"updated" and nothing more."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from regions.models import AuditEntry
from regions.notices import notice_edit, notice_edits, notice_publish
from regions.services import audit_record, audit_trail_for

pytestmark = pytest.mark.django_db


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def spring_call(demo):
    now = timezone.now().replace(second=0, microsecond=0)
    return notice_publish(
        actor=demo["users"]["official-wujin"],
        kind="call",
        title="Spring call",
        body="Apply.",
        region=demo["regions"]["WUJIN"],
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )


def edit(notice, actor, **fields):
    values = {
        "title": notice.title,
        "title_zh": notice.title_zh,
        "body": notice.body,
        "body_zh": notice.body_zh,
        "opens_at": notice.opens_at,
        "closes_at": notice.closes_at,
        **fields,
    }
    return notice_edit(actor=actor, notice=notice, **values)


def test_it_records_old_and_new_of_each_field_and_the_lengths_of_a_text(spring_call, demo):
    closes = spring_call.closes_at
    edit(
        spring_call,
        demo["users"]["official-wujin"],
        title="Spring call (corrected)",
        body="Apply before May.",
        closes_at=closes + timedelta(days=7),
    )

    entry = AuditEntry.objects.get(object_id=str(spring_call.pk), action="update")
    assert entry.data["changed"] == ["body", "closes_at", "title"]
    assert entry.data["changes"] == [
        {"field": "body", "length_before": 6, "length_after": 17},
        {
            "field": "closes_at",
            "before": closes.astimezone(UTC).isoformat(),
            "after": (closes + timedelta(days=7)).astimezone(UTC).isoformat(),
        },
        {"field": "title", "before": "Spring call", "after": "Spring call (corrected)"},
    ]
    assert "Apply before May." not in str(entry.data)  # the text itself is the notice's


def test_a_title_added_in_chinese_reads_from_nothing(spring_call, demo):
    edit(spring_call, demo["users"]["official-wujin"], title_zh="春季申报")

    entry = AuditEntry.objects.get(object_id=str(spring_call.pk), action="update")
    assert entry.data["changes"] == [{"field": "title_zh", "before": "", "after": "春季申报"}]


def test_the_notices_page_shows_what_each_edit_changed(client, spring_call, demo):
    closes = spring_call.closes_at
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/notices/{spring_call.pk}/edit/",
        {
            "title": "Spring call (corrected)",
            "body": "Apply before May.",
            "opens_at": local(spring_call.opens_at),
            "closes_at": local(closes + timedelta(days=7)),
        },
    )
    assert response.status_code == 302

    page = client.get(f"/notices/{spring_call.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    edits = page.split('id="edits-title"', 1)[1].split('id="audit-title"', 1)[0]
    assert "Edits of the notice" in page
    assert "Title (English): <del>Spring call</del> → <ins>Spring call (corrected)</ins>" in edits
    assert "Text (English): changed (6 → 17 characters)" in edits
    assert (
        f"Applications close (calls only): <del>{local(closes)}</del> → "
        f"<ins>{local(closes + timedelta(days=7))}</ins>"
    ) in edits
    assert "Applications open" not in edits  # unchanged, not listed


def test_the_edits_are_shown_to_those_who_keep_the_notice_alone(client, spring_call, demo):
    edit(spring_call, demo["users"]["official-wujin"], title="Spring call (corrected)")
    path = f"/notices/{spring_call.pk}/"

    assert "<del>Spring call</del>" not in client.get(path).content.decode()
    client.force_login(demo["users"]["official-nanhu"])
    assert "<del>Spring call</del>" not in client.get(path).content.decode()
    client.force_login(demo["users"]["operator"])
    assert "<del>Spring call</del>" in client.get(path).content.decode()


def test_an_edit_recorded_before_the_changes_were_names_its_fields(client, spring_call, demo):
    official = demo["users"]["official-wujin"]
    audit_record(
        actor=official,
        obj=spring_call,
        action=AuditEntry.Action.UPDATE,
        data={"changed": ["title"]},
    )
    client.force_login(official)

    page = client.get(f"/notices/{spring_call.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Title (English): changed" in page


def test_the_edits_are_read_from_the_history_without_a_query(
    spring_call, demo, django_assert_num_queries
):
    edit(spring_call, demo["users"]["official-wujin"], title="Spring call (corrected)")
    entries = list(audit_trail_for(spring_call))

    with django_assert_num_queries(0):
        [shown] = notice_edits(entries)

    assert shown["actor"] == demo["users"]["official-wujin"]
    assert shown["changes"] == [
        {
            "field": "title",
            "before": "Spring call",
            "after": "Spring call (corrected)",
            "shown": "value",
        }
    ]
