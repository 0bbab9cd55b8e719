"""Four eyes on applications: one at or above the district's threshold needs two different
officials; the first approval commits no budget, the second issues the voucher once, also
when two second approvals come at once. (Redemptions: test_four_eyes_redemptions.py.)"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from regions.models import (
    AuditEntry,
    ProgrammeRules,
    User,
)
from tests.vouchers.four_eyes import (
    rules_of,
    set_threshold,
)
from vouchers import services
from vouchers.models import Voucher, VoucherApplication


@pytest.mark.django_db
class TestApplications:
    @pytest.fixture(autouse=True)
    def _threshold(self, demo):
        set_threshold("YANGPU")

    def approve(self, api_as, user, application, amount="250000.00"):
        return api_as(user).post(
            f"/api/voucher-applications/{application.pk}/approve/",
            {"approved_amount": amount, "note": "The testing part is priced lower."},
            format="json",
        )

    def test_it_answers_202_to_the_first_approval_and_moves_no_money(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        committed = rules_of("YANGPU").committed
        response = self.approve(api_as, users["official-yangpu"], application)
        assert response.status_code == 202
        assert response.json()["status"] == "awaiting_second_approval"
        assert response.json()["first_approved_by"] == "official-yangpu"
        application.refresh_from_db()
        assert application.status == "submitted"
        assert application.first_approved_by == users["official-yangpu"]
        assert not Voucher.objects.filter(application=application).exists()
        assert rules_of("YANGPU").committed == committed
        assert AuditEntry.objects.filter(
            object_type="vouchers.voucherapplication",
            object_id=str(application.pk),
            action=AuditEntry.Action.FIRST_APPROVE,
        ).exists()

    def test_the_first_approvers_dashboard_counts_it_no_more(self, api_as, client, users, submit):
        """Its to-do card still counted the application it could only reject; the colleague's
        counts it, as its move."""
        application = submit("enterprise-yangpu", "250000.00")

        def count(name):
            client.force_login(users[name])
            return client.get("/official/").context["counts"]["applications"]

        before = count("official-yangpu")
        assert self.approve(api_as, users["official-yangpu"], application).status_code == 202
        assert count("official-yangpu") == before - 1
        assert count("official-yangpu-2") == before

    def test_the_api_shows_the_first_approval_while_it_waits(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        api = api_as(users["official-yangpu-2"])
        before = api.get(f"/api/voucher-applications/{application.pk}/").json()
        assert before["first_approved_by"] is None and before["first_approved_at"] is None
        first = self.approve(api_as, users["official-yangpu"], application).json()

        detail = api.get(f"/api/voucher-applications/{application.pk}/").json()
        assert detail["status"] == "submitted"
        assert detail["first_approved_by"] == "official-yangpu"
        assert detail["first_approved_at"] == first["first_approved_at"]
        listed = api.get("/api/voucher-applications/?status=submitted").json()["results"]
        row = next(row for row in listed if row["id"] == application.pk)
        assert row["first_approved_by"] == "official-yangpu"
        assert row["first_approved_at"] == first["first_approved_at"]

        second = self.approve(api_as, users["official-yangpu-2"], application).json()
        assert second["status"] == "approved"
        assert second["first_approved_by"] == "official-yangpu"

    def test_it_refuses_the_same_official_twice_with_409(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        self.approve(api_as, users["official-yangpu"], application)
        response = self.approve(api_as, users["official-yangpu"], application)
        assert response.status_code == 409
        assert response.json()["code"] == "same_official"
        application.refresh_from_db()
        assert application.status == "submitted"
        assert not Voucher.objects.filter(application=application).exists()

    def test_the_first_approver_is_offered_no_second_approve(self, api_as, client, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        self.approve(api_as, users["official-yangpu"], application)
        approve = f'action="/applications/{application.pk}/approve/"'.encode()
        reject = f'action="/applications/{application.pk}/reject/"'.encode()

        pages = {}
        for name in ("official-yangpu", "official-yangpu-2"):
            client.force_login(users[name])
            pages[name] = (
                client.get("/official/applications/").content,
                client.get(f"/applications/{application.pk}/").content,
            )

        approve_button = b'class="btn btn-small">Approve</button>'
        change_button = b">Change the amount</button>"
        for page in pages["official-yangpu"]:  # the queue row and the application's page
            # Its approval form changes its first approval's amount; it approves nothing.
            assert approve_button not in page and reject in page
            assert change_button in page and approve in page
        for page in pages["official-yangpu-2"]:
            assert approve in page and approve_button in page and reject in page
            assert change_button not in page

    def test_the_first_approver_changes_the_amount_on_the_page(self, api_as, client, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        self.approve(api_as, users["official-yangpu"], application)
        client.force_login(users["official-yangpu"])
        response = client.post(
            f"/applications/{application.pk}/approve/",
            {"approved_amount": "220000.00", "note": "the budget shrank"},
            follow=True,
        )
        assert response.status_code == 200
        told = response.content.decode()
        assert "Your first approval is now for ¥220,000.00" in told
        assert "First approval recorded" not in told
        application.refresh_from_db()
        assert application.first_approved_amount == Decimal("220000.00")
        assert application.status == "submitted"
        page = client.get(f"/applications/{application.pk}/").content.decode()
        assert 'value="220000.00"' in page
        assert "The first approval is for ¥220,000.00." in page
        # The history says what each first approval was for.
        assert "first approval · ¥250,000.00</td>" in page
        assert "· ¥220,000.00 (was ¥250,000.00)</td>" in page

    def test_a_second_official_approves_and_the_voucher_is_issued_once(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        committed = rules_of("YANGPU").committed
        self.approve(api_as, users["official-yangpu"], application)
        response = self.approve(api_as, users["official-yangpu-2"], application)
        assert response.status_code == 200
        assert response.json()["status"] == "approved"
        application.refresh_from_db()
        assert application.decided_by == users["official-yangpu-2"]
        assert application.first_approved_by == users["official-yangpu"]
        assert Voucher.objects.filter(application=application).count() == 1
        assert rules_of("YANGPU").committed == committed + Decimal("250000.00")
        # a third approval is an ordinary refused transition
        again = self.approve(api_as, users["official-yangpu"], application)
        assert again.status_code == 409
        assert rules_of("YANGPU").committed == committed + Decimal("250000.00")

    def test_below_the_threshold_one_official_is_enough(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        response = self.approve(api_as, users["official-yangpu"], application, "199999.99")
        assert response.status_code == 200
        assert response.json()["status"] == "approved"

    def test_without_a_threshold_one_official_is_enough(self, api_as, users, submit):
        set_threshold("YANGPU", None)
        application = submit("enterprise-yangpu", "250000.00")
        assert self.approve(api_as, users["official-yangpu"], application).status_code == 200

    def test_the_second_must_approve_the_amount_of_the_first(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        self.approve(api_as, users["official-yangpu"], application)
        response = self.approve(api_as, users["official-yangpu-2"], application, "240000.00")
        assert response.status_code == 409
        assert response.json()["code"] == "amount_differs"
        assert not Voucher.objects.filter(application=application).exists()

    def test_a_second_official_below_the_threshold_must_approve_the_first_amount(
        self, api_as, users, submit
    ):
        application = submit("enterprise-yangpu", "200000.00")
        committed = rules_of("YANGPU").committed
        first = self.approve(api_as, users["official-yangpu"], application, "200000.00")
        assert first.status_code == 202
        response = self.approve(api_as, users["official-yangpu-2"], application, "199999.99")
        assert response.status_code == 409
        assert response.json()["code"] == "amount_differs"
        assert "200,000.00" in response.json()["detail"]
        application.refresh_from_db()
        assert application.status == "submitted"
        assert application.first_approved_by == users["official-yangpu"]
        assert application.first_approved_amount == Decimal("200000.00")
        assert application.approved_amount is None and application.decided_by is None
        assert not Voucher.objects.filter(application=application).exists()
        assert rules_of("YANGPU").committed == committed

    def test_the_first_official_again_with_another_amount_changes_its_first_approval(
        self, api_as, users, submit
    ):
        """A first approval that no longer fits (the budget shrank) left only rejection: its
        official may change its amount, below the threshold too, and it still needs a
        second official for exactly that amount."""
        application = submit("enterprise-yangpu", "250000.00")
        committed = rules_of("YANGPU").committed
        self.approve(api_as, users["official-yangpu"], application)
        response = self.approve(api_as, users["official-yangpu"], application, "150000.00")
        assert response.status_code == 202, response.content
        application.refresh_from_db()
        assert application.status == "submitted"
        assert application.first_approved_by == users["official-yangpu"]
        assert application.first_approved_amount == Decimal("150000.00")
        assert application.decided_by is None
        assert not Voucher.objects.filter(application=application).exists()
        assert rules_of("YANGPU").committed == committed
        changed = AuditEntry.objects.filter(
            object_id=str(application.pk), action="first_approve"
        ).latest("id")
        assert changed.data == {"amount": "150000.00", "replaces": "250000.00"}
        # The same amount again is still no second approval.
        again = self.approve(api_as, users["official-yangpu"], application, "150000.00")
        assert again.status_code == 409 and again.json()["code"] == "same_official"
        assert "150,000.00" in again.json()["detail"]
        old = self.approve(api_as, users["official-yangpu-2"], application, "250000.00")
        assert old.status_code == 409 and old.json()["code"] == "amount_differs"
        second = self.approve(api_as, users["official-yangpu-2"], application, "150000.00")
        assert second.status_code == 200 and second.json()["status"] == "approved"
        assert Voucher.objects.get(application=application).face_value == Decimal("150000.00")

    def test_a_threshold_removed_after_the_first_approval_still_needs_the_second(
        self, api_as, users, submit
    ):
        application = submit("enterprise-yangpu", "250000.00")
        self.approve(api_as, users["official-yangpu"], application)
        set_threshold("YANGPU", None)
        same = self.approve(api_as, users["official-yangpu"], application)
        assert same.status_code == 409 and same.json()["code"] == "same_official"
        other_amount = self.approve(api_as, users["official-yangpu-2"], application, "1000.00")
        assert other_amount.status_code == 409
        assert other_amount.json()["code"] == "amount_differs"
        assert not Voucher.objects.filter(application=application).exists()

        second = self.approve(api_as, users["official-yangpu-2"], application)
        assert second.status_code == 200
        application.refresh_from_db()
        assert application.decided_by == users["official-yangpu-2"]
        assert application.approved_amount == Decimal("250000.00")
        assert Voucher.objects.filter(application=application).count() == 1

    def test_either_official_may_reject_after_the_first_approval(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        self.approve(api_as, users["official-yangpu"], application)
        response = api_as(users["official-yangpu"]).post(
            f"/api/voucher-applications/{application.pk}/reject/",
            {"note": "On reflection, no."},
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"

    def test_an_official_of_another_district_cannot_give_the_second(self, api_as, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        self.approve(api_as, users["official-yangpu"], application)
        response = self.approve(api_as, users["official-wujin"], application)
        assert response.status_code in (403, 404)
        application.refresh_from_db()
        assert application.status == "submitted"

    def test_the_page_shows_who_gave_the_first_approval(self, client, users, submit):
        application = submit("enterprise-yangpu", "250000.00")
        client.force_login(users["official-yangpu"])
        response = client.post(
            f"/applications/{application.pk}/approve/",
            {"approved_amount": "250000.00", "note": ""},
            follow=True,
        )
        html = response.content.decode()
        assert "First approval recorded" in html
        client.force_login(users["official-yangpu-2"])
        html = client.get(f"/applications/{application.pk}/").content.decode()
        assert "Awaiting second approval" in html and "official-yangpu" in html

    def test_the_first_approval_asks_the_other_officials_by_e_mail(
        self, api_as, users, submit, django_capture_on_commit_callbacks
    ):
        from django.core import mail

        application = submit("enterprise-yangpu", "250000.00")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert self.approve(api_as, users["official-yangpu"], application).status_code == 202
        (asked,) = [m for m in mail.outbox if "second approval" in m.subject]
        assert users["official-yangpu-2"].email in asked.to
        assert users["official-yangpu"].email not in asked.to
        assert "¥250,000.00" in asked.body and f"/applications/{application.pk}/" in asked.body

    def test_the_first_approver_is_named_by_name_where_the_account_has_one(
        self, client, users, submit
    ):
        first = users["official-yangpu"]
        first.first_name, first.last_name = "娜", "李"
        first.save(update_fields=["first_name", "last_name"])
        application = submit("enterprise-yangpu", "250000.00")
        client.force_login(first)
        client.post(
            f"/applications/{application.pk}/approve/",
            {"approved_amount": "250000.00", "note": ""},
        )
        client.force_login(users["official-yangpu-2"])
        for path in (f"/applications/{application.pk}/", "/official/applications/"):
            html = client.get(path).content.decode()
            banner = html.split("four-eyes", 1)[1].split("</p>", 1)[0]
            assert first.get_full_name() in banner and "official-yangpu" not in banner, path

    def test_the_second_officials_form_offers_the_first_amount(self, client, users, submit):
        """Any other amount is refused (`amount_differs`): the form starts from the one that
        can pass, not from the amount requested."""
        application = submit("enterprise-yangpu", "250000.00")
        client.force_login(users["official-yangpu"])
        client.post(
            f"/applications/{application.pk}/approve/",
            {"approved_amount": "240000", "note": "The testing part is priced lower."},
        )
        client.force_login(users["official-yangpu-2"])
        html = client.get(f"/applications/{application.pk}/").content.decode()
        assert 'name="approved_amount"' in html
        assert 'value="240000.00"' in html and 'value="250000.00"' not in html


# --- redemptions ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_second_approvals_of_an_application_issue_one_voucher(demo):
    set_threshold("YANGPU")
    users = demo["users"]
    third = User.objects.create_user(
        username="official-yangpu-3",
        password="x-pass-2026",
        role=User.Role.OFFICIAL,
        region=demo["regions"]["YANGPU"],
    )
    enterprise_user = users["enterprise-yangpu"]
    application = services.application_submit(
        enterprise=enterprise_user.enterprise,
        requested_amount="250000.00",
        purpose="Four eyes at once",
        actor=enterprise_user,
    )
    services.application_approve(
        application=application, actor=users["official-yangpu"], approved_amount="250000.00"
    )
    committed = ProgrammeRules.objects.get(pk=rules_of("YANGPU").pk).committed
    second_ids = [users["official-yangpu-2"].pk, third.pk]
    barrier = threading.Barrier(2)
    results = [None, None]

    def approve(i):
        try:
            official = User.objects.get(pk=second_ids[i])
            row = VoucherApplication.objects.get(pk=application.pk)
            barrier.wait()
            results[i] = services.application_approve(
                application=row, actor=official, approved_amount="250000.00"
            )
        except Exception as error:  # noqa: BLE001
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(isinstance(r, Voucher) for r in results) == 1, results
    assert Voucher.objects.filter(application=application).count() == 1
    assert rules_of("YANGPU").committed == committed + Decimal("250000.00")


def test_the_second_official_confirms_less_with_the_first_officials_reason(api_as, users, submit):
    application = submit("enterprise-yangpu", "250000.00")
    path = f"/api/voucher-applications/{application.pk}/approve/"
    first = api_as(users["official-yangpu"]).post(
        path, {"approved_amount": "240000.00", "note": "Priced lower."}, format="json"
    )
    assert first.status_code == 202
    second = api_as(users["official-yangpu-2"]).post(
        path, {"approved_amount": "240000.00"}, format="json"
    )
    assert second.status_code == 200, second.content
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.decision_note == "Priced lower."
