"""Template filters about redemptions, for pages of other apps (a service order's page)."""

from django import template

from vouchers.permissions import can_claim_redemption
from vouchers.selectors import LIVE_STATUSES, paperwork_before_claim

register = template.Library()


@register.filter
def claimable_by(order, user) -> bool:
    """May this user claim a redemption on this order now: its provider, the order confirmed,
    no live claim on it yet (a rejected or cancelled one may be claimed again)."""
    if not can_claim_redemption(user, order):
        return False
    if order.voucher.balance <= 0:
        return False  # nothing left to claim: the order's Next says why
    return not order.redemptions.filter(status__in=LIVE_STATUSES).exists()


@register.filter
def claim_needs(order) -> list[str]:
    """What the order still needs before a claim (the voucher's rules may ask for nothing)."""
    return paperwork_before_claim(order)
