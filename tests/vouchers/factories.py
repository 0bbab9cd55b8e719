"""The one way tests get a voucher: issued by `application_approve`, the service that issues
every real one, so serials, the district's budget and the audit trail are what they would be."""

from datetime import timedelta
from decimal import Decimal

from regions.models import ProgrammeRules, User
from regions.selectors import current_year
from vouchers import services
from vouchers.models import Voucher, VoucherApplication
from vouchers.selectors import remaining_cap


def official_of(region) -> User:
    return User.objects.filter(role=User.Role.OFFICIAL, region=region, is_active=True).first()


def approve(application, face, note="") -> Voucher:
    """Approve through the service; at or above the four-eyes threshold a second official of
    the district gives the second approval."""
    officials = User.objects.filter(
        role=User.Role.OFFICIAL, region=application.region, is_active=True
    ).order_by("id")
    voucher = services.application_approve(
        application=application, actor=officials[0], approved_amount=face, note=note
    )
    if voucher is None:
        voucher = services.application_approve(
            application=application, actor=officials[1], approved_amount=face, note=note
        )
    return voucher


def make_voucher(
    enterprise, face="100000.00", *, cross_region=True, status="active", note=""
) -> Voucher:
    """`make_voucher(enterprise, "2500.00", cross_region=False, status="revoked")`.

    The application is written directly (submitting is not what these tests are about, and
    the yearly cap would refuse the fifth voucher of one enterprise); the district's cap is
    raised when the voucher would not fit under it. A non-cross-region voucher is issued
    under rules that forbid cross-region use, which are put back afterwards. Other statuses
    are reached through their own services."""
    face = Decimal(face)
    region = enterprise.region
    rules = ProgrammeRules.objects.get(region=region, year=current_year())
    shortfall = face - remaining_cap(rules=rules, enterprise_id=enterprise.pk)
    if shortfall > 0:
        rules.max_voucher_per_enterprise += shortfall
        rules.save(update_fields=["max_voucher_per_enterprise"])
    application = VoucherApplication.objects.create(
        enterprise=enterprise,
        region=region,
        year=rules.year,
        requested_amount=face,
        purpose="Test voucher",
    )
    official = official_of(region)
    if cross_region == rules.cross_region:
        voucher = approve(application, face, note)
    else:
        ProgrammeRules.objects.filter(pk=rules.pk).update(cross_region=cross_region)
        try:
            voucher = approve(application, face, note)
        finally:
            ProgrammeRules.objects.filter(pk=rules.pk).update(cross_region=rules.cross_region)
    if status == Voucher.Status.REVOKED:
        voucher = services.voucher_revoke(voucher=voucher, actor=official, reason="Test")
    elif status == Voucher.Status.EXPIRED:
        services.voucher_expire(
            voucher_id=voucher.pk, now=voucher.expires_at + timedelta(seconds=1)
        )
    elif status == Voucher.Status.EXHAUSTED:
        _spend_all_of(voucher)
    elif status != Voucher.Status.ACTIVE:
        raise ValueError(f"make_voucher cannot make a {status} voucher")
    voucher.refresh_from_db()
    return voucher


def _spend_all_of(voucher: Voucher) -> None:
    """A claim of the whole balance, by a certified provider, on a confirmed order large
    enough that the co-funding ratio allows it."""
    from providers.models import Provider
    from tests.redemptions.factories import make_order
    from vouchers import services as redemptions

    provider = Provider.objects.filter(status=Provider.Status.CERTIFIED).first()
    order = make_order(voucher, provider, contract=str(voucher.balance * 10))
    redemptions.redemption_claim(
        service_order_id=order.pk, amount=str(voucher.balance), actor=provider.users.first()
    )
