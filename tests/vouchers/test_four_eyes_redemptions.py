"""Four eyes on redemptions: a claim at or above the threshold of the rules its voucher was
issued under needs two different officials; the first approval moves no money, the second
moves it once, also when two second approvals come at once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from portal.errors import ApplicationError
from regions.models import (
    AuditEntry,
    JournalEntry,
    User,
)
from tests.vouchers.four_eyes import (
    large_redemption,
    rules_of,
    set_threshold,
    set_threshold_of_voucher,
)
from vouchers import services
from vouchers.models import Redemption, Voucher


@pytest.mark.django_db
class TestRedemptions:
    @pytest.fixture(autouse=True)
    def _threshold(self, demo):
        set_threshold("YANGPU")

    def approve(self, api_as, user, redemption):
        return api_as(user).post(f"/api/redemptions/{redemption.pk}/approve/", {}, format="json")

    def test_first_202_same_409_second_200_and_money_moves_once(self, api_as, users, demo):
        redemption = large_redemption(demo)
        voucher = redemption.voucher
        redeemed = rules_of("YANGPU").redeemed

        first = self.approve(api_as, users["official-yangpu"], redemption)
        assert first.status_code == 202
        assert first.json()["status"] == "awaiting_second_approval"
        voucher.refresh_from_db()
        assert voucher.redeemed == 0 and voucher.held == Decimal("250000.00")
        assert not JournalEntry.objects.filter(redemption=redemption).exists()

        same = self.approve(api_as, users["official-yangpu"], redemption)
        assert same.status_code == 409 and same.json()["code"] == "same_official"

        second = self.approve(api_as, users["official-yangpu-2"], redemption)
        assert second.status_code == 200 and second.json()["status"] == "approved"
        voucher.refresh_from_db()
        assert voucher.redeemed == Decimal("250000.00") and voucher.held == 0
        assert rules_of("YANGPU").redeemed == redeemed + Decimal("250000.00")
        assert JournalEntry.objects.filter(redemption=redemption).count() == 1
        assert (
            AuditEntry.objects.filter(
                object_type="vouchers.redemption",
                object_id=str(redemption.pk),
                action=AuditEntry.Action.FIRST_APPROVE,
            ).count()
            == 1
        )

    def test_the_api_shows_the_first_approval_while_it_waits(self, api_as, users, demo):
        redemption = large_redemption(demo)
        api = api_as(users["official-yangpu-2"])
        first = self.approve(api_as, users["official-yangpu"], redemption).json()

        detail = api.get(f"/api/redemptions/{redemption.pk}/").json()
        assert detail["status"] == "pending"
        assert detail["first_approved_by"] == "official-yangpu"
        assert detail["first_approved_at"] == first["first_approved_at"]
        listed = api.get("/api/redemptions/?status=pending").json()["results"]
        row = next(row for row in listed if row["id"] == redemption.pk)
        assert (row["first_approved_by"], row["first_approved_at"]) == (
            "official-yangpu",
            first["first_approved_at"],
        )
        small = large_redemption(demo, amount="1000.00")
        assert api.get(f"/api/redemptions/{small.pk}/").json()["first_approved_by"] is None

    def test_a_small_redemption_needs_one_official(self, api_as, users, demo):
        redemption = large_redemption(demo, amount="1000.00")
        assert self.approve(api_as, users["official-yangpu"], redemption).status_code == 200

    def test_a_threshold_raised_after_the_first_approval_still_needs_another_official(
        self, api_as, users, demo
    ):
        redemption = large_redemption(demo)
        voucher = redemption.voucher
        assert self.approve(api_as, users["official-yangpu"], redemption).status_code == 202
        set_threshold_of_voucher(voucher, Decimal("300000.00"))  # now above the claim

        same = self.approve(api_as, users["official-yangpu"], redemption)
        assert same.status_code == 409 and same.json()["code"] == "same_official"
        redemption.refresh_from_db()
        assert redemption.status == "pending" and redemption.decided_by is None
        assert redemption.first_approved_by == users["official-yangpu"]
        voucher.refresh_from_db()
        assert voucher.redeemed == 0 and voucher.held == Decimal("250000.00")
        assert not JournalEntry.objects.filter(redemption=redemption).exists()

        second = self.approve(api_as, users["official-yangpu-2"], redemption)
        assert second.status_code == 200 and second.json()["status"] == "approved"
        assert JournalEntry.objects.filter(redemption=redemption).count() == 1

    def test_the_first_official_may_still_reject(self, api_as, users, demo):
        redemption = large_redemption(demo)
        self.approve(api_as, users["official-yangpu"], redemption)
        response = api_as(users["official-yangpu"]).post(
            f"/api/redemptions/{redemption.pk}/reject/",
            {"note": "Evidence missing."},
            format="json",
        )
        assert response.status_code == 200 and response.json()["status"] == "rejected"
        redemption.voucher.refresh_from_db()
        assert redemption.voucher.held == 0

    def test_the_database_refuses_one_official_giving_both(self, users, demo):
        from django.db import IntegrityError, transaction

        redemption = large_redemption(demo)
        official = users["official-yangpu"]
        with pytest.raises(IntegrityError), transaction.atomic():
            Redemption.objects.filter(pk=redemption.pk).update(
                status="approved", first_approved_by=official, decided_by=official
            )

    def test_the_first_approver_is_offered_no_second_approve(self, client, users, demo):
        redemption = large_redemption(demo)
        services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu"])
        approve = f'action="/redemptions/{redemption.pk}/approve/"'.encode()
        reject = f'action="/redemptions/{redemption.pk}/reject/"'.encode()

        for name, offered in (("official-yangpu", False), ("official-yangpu-2", True)):
            client.force_login(users[name])
            for path in ("/official/redemptions/", f"/redemptions/{redemption.pk}/"):
                page = client.get(path).content
                assert (approve in page) is offered, (name, path)
                assert reject in page, (name, path)

    def test_the_first_approval_asks_the_districts_other_officials_by_e_mail(
        self, api_as, users, demo, django_capture_on_commit_callbacks
    ):
        """The second official learnt of it only by opening the queue or from the next
        day's reminder."""
        from django.core import mail

        first, second = users["official-yangpu"], users["official-yangpu-2"]
        first.first_name, first.last_name = "娜", "李"
        first.save(update_fields=["first_name", "last_name"])
        redemption = large_redemption(demo)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert self.approve(api_as, first, redemption).status_code == 202
        (asked,) = [m for m in mail.outbox if "second approval" in m.subject]
        assert second.email in asked.to and first.email not in asked.to
        assert "李娜" in asked.body and "¥250,000.00" in asked.body
        assert f"/redemptions/{redemption.pk}/" in asked.body
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert self.approve(api_as, second, redemption).status_code == 200
        assert not [m for m in mail.outbox if "second approval" in m.subject]

    def test_the_queue_row_shows_the_first_approval(self, client, users, demo):
        redemption = large_redemption(demo)
        services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu"])
        client.force_login(users["official-yangpu-2"])
        html = client.get("/official/redemptions/").content.decode()
        assert "Awaiting second approval" in html


# --- two second approvals at once ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_second_approvals_at_once_move_the_money_once(demo):
    set_threshold("YANGPU")
    users = demo["users"]
    third = User.objects.create_user(
        username="official-yangpu-3",
        password="x-pass-2026",
        role=User.Role.OFFICIAL,
        region=demo["regions"]["YANGPU"],
    )
    redemption = large_redemption(demo)
    services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu"])
    second_ids = [users["official-yangpu-2"].pk, third.pk]
    barrier = threading.Barrier(2)
    results = [None, None]

    def approve(i):
        try:
            official = User.objects.get(pk=second_ids[i])  # connects before the barrier
            barrier.wait()
            results[i] = services.redemption_approve(redemption_id=redemption.pk, actor=official)
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(isinstance(r, Redemption) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "invalid_transition", results
    voucher = Voucher.objects.get(pk=redemption.voucher_id)
    assert voucher.redeemed == Decimal("250000.00") and voucher.held == 0
    assert JournalEntry.objects.filter(redemption=redemption).count() == 1
    assert (
        AuditEntry.objects.filter(
            object_type="vouchers.redemption",
            object_id=str(redemption.pk),
            action=AuditEntry.Action.APPROVE,
        ).count()
        == 1
    )
