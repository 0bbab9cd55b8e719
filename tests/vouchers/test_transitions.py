"""Walk the state machines of applications and vouchers: every (from, to) pair of statuses,
through the service that produces `to`. The edges in the model's TRANSITIONS succeed and save
the new status; every other pair is refused and leaves the row as it was."""

from datetime import timedelta
from itertools import product

import pytest
from django.forms.models import model_to_dict

from portal.errors import ApplicationError, InvalidTransition
from tests.redemptions.factories import make_order
from vouchers import services
from vouchers.models import Voucher, VoucherApplication

pytestmark = pytest.mark.django_db

App = VoucherApplication.Status


def _application_service(to, application, users):
    official, enterprise = users["official-wujin"], users["enterprise-jiangnan"]
    if to == App.APPROVED:
        return services.application_approve(
            application=application, actor=official, approved_amount="10000.00"
        )
    if to == App.REJECTED:
        return services.application_reject(application=application, actor=official, note="No")
    if to == App.WITHDRAWN:
        return services.application_withdraw(application=application, actor=enterprise)
    raise AssertionError(f"no service produces {to}")


def test_submitted_is_only_an_entry_status():
    # application_submit creates the row; no service moves an application back to it.
    assert all(App.SUBMITTED not in targets for targets in VoucherApplication.TRANSITIONS.values())


@pytest.mark.parametrize(
    "from_status, to_status",
    [(f, t) for f, t in product(App.values, App.values) if t != App.SUBMITTED],
)
def test_application_edges(demo, submit, from_status, to_status):
    application = submit("enterprise-jiangnan", "10000.00")
    approved = (
        {"approved_amount": application.requested_amount} if from_status == App.APPROVED else {}
    )
    VoucherApplication.objects.filter(pk=application.pk).update(status=from_status, **approved)
    application.refresh_from_db()
    before = model_to_dict(application)
    if to_status in VoucherApplication.TRANSITIONS[from_status]:
        _application_service(to_status, application, demo["users"])
        application.refresh_from_db()
        assert application.status == to_status
    else:
        with pytest.raises(InvalidTransition):
            _application_service(to_status, application, demo["users"])
        application.refresh_from_db()
        assert model_to_dict(application) == before


V = Voucher.Status


@pytest.fixture
def voucher(demo):
    return Voucher.objects.get(pk=demo["voucher"].pk)


def _set_status(voucher, status):
    Voucher.objects.filter(pk=voucher.pk).update(status=status)
    voucher.refresh_from_db()


@pytest.mark.parametrize("from_status", V.values)
def test_voucher_revoke_edges(demo, voucher, from_status):
    _set_status(voucher, from_status)
    before = model_to_dict(voucher)
    official = demo["users"]["official-wujin"]
    if V.REVOKED in Voucher.TRANSITIONS[from_status]:
        services.voucher_revoke(voucher=voucher, actor=official, reason="Fraud")
        voucher.refresh_from_db()
        assert voucher.status == V.REVOKED
    else:
        with pytest.raises(InvalidTransition):
            services.voucher_revoke(voucher=voucher, actor=official, reason="Fraud")
        voucher.refresh_from_db()
        assert model_to_dict(voucher) == before


@pytest.mark.parametrize("from_status", V.values)
def test_voucher_expire_edges(voucher, from_status):
    # The daily sweep skips, rather than raises on, a voucher that may not expire.
    _set_status(voucher, from_status)
    before = model_to_dict(voucher)
    expired = services.voucher_expire(
        voucher_id=voucher.pk, now=voucher.expires_at + timedelta(days=1)
    )
    voucher.refresh_from_db()
    if V.EXPIRED in Voucher.TRANSITIONS[from_status]:
        assert expired and voucher.status == V.EXPIRED
    else:
        assert not expired and model_to_dict(voucher) == before


@pytest.mark.parametrize("from_status", V.values)
def test_voucher_exhaust_edges(demo, voucher, from_status):
    """A claim of the whole balance exhausts an active voucher; any other refuses the claim."""
    order = make_order(voucher, demo["providers"]["provider-sit"], contract="10000000.00")
    _set_status(voucher, from_status)
    before = model_to_dict(voucher)
    claim = {
        "service_order_id": order.pk,
        "amount": str(voucher.balance),
        "actor": demo["users"]["provider-sit"],
    }
    if V.EXHAUSTED in Voucher.TRANSITIONS[from_status]:
        services.redemption_claim(**claim)
        voucher.refresh_from_db()
        assert voucher.status == V.EXHAUSTED
    else:
        with pytest.raises(ApplicationError):
            services.redemption_claim(**claim)
        voucher.refresh_from_db()
        assert model_to_dict(voucher) == before


@pytest.mark.parametrize("from_status", V.values)
def test_voucher_reactivate_edges(demo, voucher, from_status):
    """Rejecting a claim makes an exhausted voucher active again; it never revives another.
    (The rejection itself is legal whatever the voucher's status: the hold goes back to the
    voucher, or to the district's budget.)"""
    order = make_order(voucher, demo["providers"]["provider-sit"], contract="10000000.00")
    pending = services.redemption_claim(
        service_order_id=order.pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    voucher.refresh_from_db()
    _set_status(voucher, from_status)
    services.redemption_reject(
        redemption_id=pending.pk, actor=demo["users"]["official-wujin"], note="No"
    )
    voucher.refresh_from_db()
    if V.ACTIVE in Voucher.TRANSITIONS[from_status]:
        assert voucher.status == V.ACTIVE
    else:
        assert voucher.status == from_status


def test_the_enterprises_voucher_bar_shows_what_a_revocation_returned(client, demo):
    """A revoked voucher read balance 0, redeemed ¥8,172.83: the ¥71,827.17 returned to the
    budget appeared nowhere, drawn grey under "Balance (still to spend)"."""
    from tests.redemptions.factories import approved_redemption
    from tests.vouchers.factories import make_voucher
    from vouchers.services import voucher_revoke

    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "80000.00")
    approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "8000.00")
    official = next(
        u for u in demo["users"].values()
        if u.is_official and u.region_id == voucher.issuing_region_id
    )  # fmt: skip
    voucher_revoke(voucher=voucher, actor=official, reason="Fraud suspected.")
    voucher.refresh_from_db()
    assert voucher.released == voucher.face_value - voucher.redeemed > 0
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get("/enterprise/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("Returned to the budget (the voucher was revoked or expired)") == 1
    assert 'class="bar-released"' in page
    assert "Redeemed (claims approved)" in page


def test_the_revocation_email_says_what_went_back_and_what_is_still_decided(
    demo, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.redemptions.factories import make_order, provider_user
    from tests.vouchers.factories import make_voucher
    from vouchers.services import redemption_claim, voucher_revoke

    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "80000.00")
    sit = demo["providers"]["provider-sit"]
    order = make_order(voucher, sit, contract="60000.00")
    redemption_claim(service_order_id=order.pk, amount="30000.00", actor=provider_user(demo, sit))
    official = next(
        u for u in demo["users"].values()
        if u.is_official and u.region_id == voucher.issuing_region_id
    )  # fmt: skip
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        voucher_revoke(voucher=voucher, actor=official, reason="Fraud suspected.")
    (revoked,) = [m for m in mail.outbox if "revoked voucher" in m.body]
    assert "¥50,000.00 of its balance went back to the district's budget." in revoked.body
    assert "Claims already made on it, ¥30,000.00 in all, are still decided" in revoked.body
    assert f"/vouchers/{voucher.serial}/" in revoked.body
