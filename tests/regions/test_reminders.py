"""Reminders (vouchers about to expire, work waiting past the district's service level) by
e-mail once a day and on the dashboards, and each user's notification settings."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import OutboxMessage
from portal.notifications import notify_after_commit
from regions.models import NotificationPreference, ReminderSent
from regions.reminders import reminders_for, reminders_send
from regions.selectors import programme_today
from regions.tasks import send_reminders
from tests.redemptions.factories import make_order
from vouchers.models import Redemption, Voucher, VoucherApplication

pytestmark = pytest.mark.django_db

SEND = "regions.tasks.send_notification"


_BEFORE = {}


@pytest.fixture(autouse=True)
def _outbox_so_far(db):
    """E-mails the demo queued are not this test's."""
    _BEFORE["id"] = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0


def mails_to(address: str) -> list[dict]:
    return [
        m.kwargs
        for m in OutboxMessage.objects.filter(task_name=SEND, id__gt=_BEFORE["id"]).order_by("id")
        if address in m.kwargs["recipients"]
    ]


def expiring(demo, days=10):
    voucher = demo["voucher"]
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() + timedelta(days=days))
    return voucher


def waiting_application(demo, days_ago: int):
    return VoucherApplication.objects.create(
        enterprise=demo["enterprises"]["enterprise-nanhu"],
        region=demo["regions"]["NANHU"],
        year=programme_today().year,
        requested_amount=Decimal("1000.00"),
        purpose="Waiting",
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )


def test_an_enterprise_is_reminded_of_a_voucher_expiring_within_30_days(demo):
    voucher = expiring(demo)
    address = demo["enterprises"]["enterprise-jiangnan"].contact_email

    reminders_send()

    mails = mails_to(address)
    assert len(mails) == 1
    assert voucher.serial in mails[0]["body"]
    assert ReminderSent.objects.filter(kind="voucher_expiring", recipient=address).count() == 1


def test_a_voucher_expiring_later_is_not_reminded(demo):
    expiring(demo, days=45)

    reminders_send()

    assert not ReminderSent.objects.filter(kind="voucher_expiring").exists()


def test_a_second_run_on_the_same_day_sends_nothing_again(demo):
    expiring(demo)
    address = demo["enterprises"]["enterprise-jiangnan"].contact_email
    first = reminders_send()

    assert reminders_send() == 0
    assert send_reminders.apply().get() == {"sent": 0}
    assert first >= 1
    assert len(mails_to(address)) == 1


def test_the_database_refuses_a_second_reminder_row_for_the_day(demo):
    ReminderSent.objects.create(
        kind="voucher_expiring", recipient="a@example.com", day=programme_today()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(
            kind="voucher_expiring", recipient="a@example.com", day=programme_today()
        )


def test_officials_are_reminded_of_applications_past_the_service_level(demo):
    waiting_application(demo, days_ago=6)  # the demo's service level is 5 days

    reminders_send()

    for username in ("official-nanhu",):
        address = demo["users"][username].email
        mails = mails_to(address)
        assert len(mails) == 1
        assert "1 application waiting longer than 5 days" in mails[0]["subject"]
    assert not mails_to(demo["users"]["official-wujin"].email)


def test_applications_within_the_service_level_are_not_reminded(demo):
    waiting_application(demo, days_ago=2)

    reminders_send()

    assert not mails_to(demo["users"]["official-nanhu"].email)


def test_the_districts_own_service_level_counts(demo):
    from regions.models import ProgrammeRules

    ProgrammeRules.objects.filter(region__code="NANHU").update(service_level_days=10)
    waiting_application(demo, days_ago=6)

    reminders_send()

    assert not mails_to(demo["users"]["official-nanhu"].email)


def test_officials_are_reminded_of_redemptions_past_the_service_level(demo):
    from tests.vouchers.factories import make_voucher
    from vouchers.services import redemption_claim

    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], contract="4000.00")
    redemption = redemption_claim(
        service_order_id=order.pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    Redemption.objects.filter(pk=redemption.pk).update(
        claimed_at=timezone.now() - timedelta(days=8)
    )

    reminders_send()

    mails = mails_to(demo["users"]["official-yangpu"].email)
    assert any("1 redemption waiting longer than 5 days" in m["subject"] for m in mails)


def test_a_user_who_turned_reminders_off_gets_no_reminder_e_mail(demo):
    expiring(demo)
    user = demo["users"]["enterprise-jiangnan"]
    NotificationPreference.objects.create(user=user, kind="reminders", email=False)

    reminders_send()

    assert not mails_to(user.email)
    # The dashboard still shows it.
    assert reminders_for(user)[0].count == 1


MAIL = "vouchers/enterprise_verified"


def test_a_kind_turned_off_is_skipped_and_other_kinds_still_sent(demo):
    user = demo["users"]["provider-sit"]
    NotificationPreference.objects.create(user=user, kind="order_updates", email=False)

    notify_after_commit(
        recipients=[user.email], email=MAIL, context={"name": "Jiangnan"}, kind="order_updates"
    )
    assert not mails_to(user.email)
    notify_after_commit(
        recipients=[user.email], email=MAIL, context={"name": "Jiangnan"}, kind="settlement"
    )
    notify_after_commit(recipients=[user.email], email=MAIL, context={"name": "Jiangnan"})
    assert len(mails_to(user.email)) == 2


def test_dashboards_show_the_reminders(client, demo):
    expiring(demo)
    waiting_application(demo, days_ago=6)

    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get("/enterprise/", follow=True)
    assert b"reminders-title" in page.content
    client.force_login(demo["users"]["official-nanhu"])
    page = client.get("/official/")
    assert b"application waiting longer than 5 days" in page.content


def test_an_officials_reminders_are_counted_in_one_query(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    waiting_application(demo, days_ago=6)
    waiting_application(demo, days_ago=7)
    waiting_application(demo, days_ago=1)  # within the service level

    with CaptureQueriesContext(connection) as queries:
        reminders = reminders_for(demo["users"]["official-nanhu"])

    assert [(r.kind, r.count, r.text) for r in reminders] == [
        ("applications_waiting", 2, "applications waiting longer than 5 days")
    ]
    # The districts' service levels, then the three counts in one SELECT.
    assert len(queries.captured_queries) == 2


def test_a_reminder_of_one_says_it_in_the_singular(demo):
    from django.utils import translation

    waiting_application(demo, days_ago=6)
    expiring(demo)

    [official] = reminders_for(demo["users"]["official-nanhu"])
    [enterprise] = reminders_for(demo["users"]["enterprise-jiangnan"])

    assert (official.count, official.text) == (1, "application waiting longer than 5 days")
    assert (enterprise.count, enterprise.text) == (1, "voucher expires within 30 days")
    with translation.override("zh-hans"):
        [official] = reminders_for(demo["users"]["official-nanhu"])
    assert official.text == "份申请已等待超过 5 天"


def test_the_notification_settings_page_saves_the_choice(client, demo):
    user = demo["users"]["enterprise-jiangnan"]
    client.force_login(user)
    page = client.get("/account/notifications/")
    assert page.status_code == 200
    assert b'value="reminders" checked' in page.content

    response = client.post("/account/notifications/", {"email": ["order_updates", "settlement"]})

    assert response.status_code == 302
    off = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list("kind", flat=True)
    )
    assert off == {"reminders", "application_decisions", "redemption_decisions"}
    assert b'value="reminders" checked' not in client.get("/account/notifications/").content


@pytest.mark.parametrize("username", ["expert-demo", "manager-demo"])
def test_an_expert_or_a_manager_is_offered_no_kind_that_never_reaches_them(client, demo, username):
    """The page offered application and redemption decisions, settlement... to roles no such
    e-mail reaches."""
    client.force_login(demo["users"][username])
    page = client.get("/account/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="email"' not in page
    assert "these always reach you" in page


def test_the_notification_settings_need_a_login(client, demo):
    response = client.get("/account/notifications/")
    assert response.status_code == 302
