"""Who may do what with enterprises, applications, vouchers and redemptions.

These answer "may this role act on this object" for an object the user can already see
(visibility is the selectors' job: outsiders get 404 before these are asked).
"""

from providers.models import ServiceOrder
from vouchers.models import Redemption


def _official_of(user, region_id) -> bool:
    return bool(
        user.is_authenticated and user.is_official and region_id and user.region_id == region_id
    )


def can_verify_enterprise(user, enterprise) -> bool:
    return _official_of(user, enterprise.region_id)


def can_apply_for(user, enterprise) -> bool:
    return bool(
        user.is_authenticated and user.is_enterprise and user.enterprise_id == enterprise.id
    )


def can_withdraw_application(user, application) -> bool:
    return can_apply_for(user, application.enterprise)


def can_decide_application(user, application) -> bool:
    return _official_of(user, application.region_id)


def can_revoke_voucher(user, voucher) -> bool:
    return _official_of(user, voucher.issuing_region_id)


def can_download_certificate(user, voucher) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_operator:
        return True
    if user.is_enterprise:
        return user.enterprise_id == voucher.enterprise_id
    return _official_of(user, voucher.issuing_region_id)


def can_read_voucher_holder(user, voucher) -> bool:
    """The public check of a serial names the holder and the face value in full to those a
    voucher is shown to (certified providers, officials, the operator) and to the holder; to anyone
    else a masked name and no amount: serials run in sequence, and the public page would
    otherwise list every beneficiary and its amount."""
    if not user.is_authenticated:
        return False
    if user.is_official or user.is_operator:
        return True
    if user.is_provider:
        # A certified provider only: anyone can apply to be one, and an applicant's account
        # read every holder in full by counting through the serials.
        from providers.models import Provider

        return bool(user.provider_id) and user.provider.status == Provider.Status.CERTIFIED
    return bool(user.is_enterprise and user.enterprise_id == voucher.enterprise_id)


def masked_holder(name: str) -> str:
    """ "常州江南石墨烯科技有限公司" -> "常州****公司": enough for the holder standing in front
    of a provider to recognise, too little to list the beneficiaries."""
    name = name.strip()
    if len(name) <= 4:
        return name[:1] + "****"
    return f"{name[:2]}****{name[-2:]}"


def can_create_enterprise(user) -> bool:
    """An enterprise user not yet linked to one, an official (for its district), the operator."""
    if not user.is_authenticated:
        return False
    if user.is_enterprise:
        return user.enterprise_id is None
    return user.is_official or user.is_operator


def can_claim_redemption(user, order) -> bool:
    return bool(
        user.is_authenticated
        and user.is_provider
        and user.provider_id == order.provider_id
        and order.status == ServiceOrder.Status.CONFIRMED
        and not order.voucher.ended
    )


def can_decide_redemption(user, redemption) -> bool:
    """Approve or reject: an official of the district that issued the voucher."""
    return bool(
        _official_of(user, redemption.issuing_region_id)
        and redemption.status == Redemption.Status.PENDING
    )


def can_mark_paid_redemption(user, redemption) -> bool:
    """Record the payment: an official of the provider's home district."""
    return bool(
        _official_of(user, redemption.provider_region_id)
        and redemption.status == Redemption.Status.APPROVED
    )
