"""Template filters about redemptions, for pages of other apps (a service order's page), and
the payment form's question about a reference recorded before."""

from django import template

from vouchers.permissions import can_claim_redemption
from vouchers.selectors import (
    LIVE_STATUSES,
    contract_rest,
    no_claim_reason,
    paperwork_before_claim,
)
from vouchers.services.related_parties import is_related_party

register = template.Library()


@register.filter
def claimable_by(order, user) -> bool:
    """May this user claim a redemption on this order now: its provider, the order confirmed,
    no live claim on it yet (a rejected or cancelled one may be claimed again), and a claim
    that could be something (the order's Next says why not: related parties, the voucher
    used up or held, the own share covering the contract)."""
    if not can_claim_redemption(user, order):
        return False
    if order.voucher.balance <= 0:
        return False  # nothing left to claim: the order's Next says why
    if order.redemptions.filter(status__in=LIVE_STATUSES).exists():
        return False
    if is_related_party(enterprise_id=order.enterprise_id, provider_id=order.provider_id):
        return False
    return not no_claim_reason(order)


@register.filter
def claim_needs(order) -> list[str]:
    """What the order still needs before a claim (the voucher's rules may ask for nothing)."""
    return paperwork_before_claim(order)


@register.simple_tag
def voucher_share_held_to_own_share(order, voucher_share, own_share) -> dict:
    """`voucher_share` (providers.selectors.voucher_share_of: the voucher's share of the
    contract and its balance) held as well to the contract less the enterprise's confirmed
    `own_share` (an OwnSharePayment or None), as the claim is (`max_claim_for`): the page
    said "the voucher pays at most ¥50.00" where a claim could be nothing. `no_claim` says
    why a claim could be nothing whatever the balance, "" when it could be something."""
    confirmed = own_share.amount if own_share is not None and own_share.is_confirmed else None
    no_claim = no_claim_reason(order, own_share=confirmed)
    rest = contract_rest(order, confirmed)
    if rest is None or rest >= voucher_share["pays"]:
        return {**voucher_share, "no_claim": no_claim}
    # The own share, not the balance, holds the voucher to less: no "balance is below" note.
    return {
        **voucher_share,
        "pays": rest,
        "enterprise_pays": order.contract_amount - rest,
        "short": False,
        "no_claim": no_claim,
    }


@register.simple_tag(takes_context=True)
def reference_reuse_asked(context, redemption) -> str:
    """The reference this claim's payment was last refused with as recorded before
    (vouchers.views.redemptions.REUSE_ASKED), "" otherwise: its form then offers "Record it
    anyway" with that reference, on the queue's row or, without JavaScript, wherever the
    refusal led."""
    from vouchers.views.redemptions import REUSE_ASKED

    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return ""
    return request.session.get(REUSE_ASKED, {}).get(str(redemption.pk), "")
