"""What the four-eyes tests share: a district's threshold set, and a claim above it."""

from decimal import Decimal

from regions.models import ProgrammeRules, ProgrammeRulesVersion
from regions.selectors import current_year
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher
from vouchers import services
from vouchers.models import Redemption

THRESHOLD = Decimal("200000.00")


def rules_of(code):
    return ProgrammeRules.objects.get(region__code=code, year=current_year())


def set_threshold(code, threshold=THRESHOLD):
    ProgrammeRules.objects.filter(region__code=code, year=current_year()).update(
        four_eyes_threshold=threshold
    )


def set_threshold_of_voucher(voucher, threshold):
    """The threshold of the rules that govern `voucher`: its version, or its district-year."""
    ProgrammeRulesVersion.objects.filter(pk=voucher.rules_version_id).update(
        four_eyes_threshold=threshold
    )
    ProgrammeRules.objects.filter(region=voucher.issuing_region, year=voucher.year).update(
        four_eyes_threshold=threshold
    )


def large_redemption(demo, amount="250000.00") -> Redemption:
    """A Yangpu voucher of 300,000 and a claim of `amount` on a confirmed order with SIT."""
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "300000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], contract="600000.00")
    return services.redemption_claim(
        service_order_id=order.pk, amount=amount, actor=demo["users"]["provider-sit"]
    )
