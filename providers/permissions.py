"""Who may do what with providers, their certificates, offerings and service orders.

One small function per question, used by services, views, the API and templates alike.
Visibility (404 for outsiders) is the selectors' job; these answer "may this role act".
"""

from providers.models import Provider, ServiceOffering, ServiceOrder


def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_provider_member(user, provider: Provider) -> bool:
    return _authenticated(user) and user.is_provider and user.provider_id == provider.pk


def is_district_official(user, region_id: int) -> bool:
    return _authenticated(user) and user.is_official and user.region_id == region_id


def can_read_objection(user, objection, region_id: int) -> bool:
    """An objection's words (and the answer to them) go to the district that decides, the
    operator and whoever lodged it: they may hold what must not be public, and anyone signed
    in can lodge one. Everyone else sees that an objection was lodged and whether it is
    answered."""
    if not _authenticated(user):
        return False
    return (
        is_district_official(user, region_id)
        or user.is_operator
        or objection.raised_by_id == user.pk
    )


def can_apply_as_provider(user) -> bool:
    """Anonymous visitors register while applying; a provider user may apply once."""
    if not _authenticated(user):
        return True
    return user.is_provider and user.provider_id is None


def can_decide_provider(user, provider: Provider) -> bool:
    """Certify, reject, suspend, revoke: the official of the provider's district."""
    return is_district_official(user, provider.region_id)


def can_read_provider_files(user, provider: Provider) -> bool:
    """Qualifications and the certificate PDF: the provider, its officials, the operator."""
    if not _authenticated(user):
        return False
    return (
        user.is_operator
        or is_provider_member(user, provider)
        or is_district_official(user, provider.region_id)
    )


def can_read_private_details(user, provider_id: int) -> bool:
    """A provider's legal representative, registered address and phone (compared by the
    officials at every order): officials, the operator and the provider itself; the page and
    the API alike."""
    return _authenticated(user) and (
        user.is_official or user.is_operator or user.provider_id == provider_id
    )


def can_manage_offering(user, offering: ServiceOffering) -> bool:
    return _authenticated(user) and user.is_provider and user.provider_id == offering.provider_id


def can_manage_offerings(user) -> bool:
    return _authenticated(user) and user.is_provider and user.provider_id is not None


def can_order_from(user, provider: Provider) -> bool:
    return _authenticated(user) and user.is_enterprise and provider.takes_orders


def is_order_enterprise(user, order: ServiceOrder) -> bool:
    return (
        _authenticated(user)
        and user.is_enterprise
        and user.enterprise_id is not None
        and user.enterprise_id == order.enterprise_id
    )


def is_order_provider(user, order: ServiceOrder) -> bool:
    return (
        _authenticated(user)
        and user.is_provider
        and user.provider_id is not None
        and user.provider_id == order.provider_id
    )


def can_read_order(user, order: ServiceOrder) -> bool:
    """The two parties, the officials of both districts, the operator: evidence included."""
    if not _authenticated(user):
        return False
    if user.is_operator or is_order_enterprise(user, order) or is_order_provider(user, order):
        return True
    return user.is_official and user.region_id in (
        order.enterprise.region_id,
        order.provider.region_id,
    )


def _can_move(order: ServiceOrder, to_status: str) -> bool:
    return to_status in ServiceOrder.TRANSITIONS.get(order.status, set())


def can_accept_order(user, order: ServiceOrder) -> bool:
    # A suspended provider's page offered Accept, which the service then refused.
    return (
        is_order_provider(user, order)
        and order.status == ServiceOrder.Status.REQUESTED
        and not order.voucher.ended
        and user.provider.takes_orders
    )


def can_decline_order(user, order: ServiceOrder) -> bool:
    return is_order_provider(user, order) and _can_move(order, ServiceOrder.Status.DECLINED)


def can_complete_order(user, order: ServiceOrder) -> bool:
    return is_order_provider(user, order) and _can_move(order, ServiceOrder.Status.COMPLETED)


def can_confirm_order(user, order: ServiceOrder) -> bool:
    return is_order_enterprise(user, order) and _can_move(order, ServiceOrder.Status.CONFIRMED)


def can_dispute_order(user, order: ServiceOrder) -> bool:
    return is_order_enterprise(user, order) and _can_move(order, ServiceOrder.Status.DISPUTED)


def can_cancel_order(user, order: ServiceOrder) -> bool:
    return (
        is_order_enterprise(user, order) or is_order_provider(user, order)
    ) and order.status in PARTIES_MAY_CANCEL


# Cancelling a disputed order is the official's decision (order_resolve_dispute).
PARTIES_MAY_CANCEL = {ServiceOrder.Status.REQUESTED, ServiceOrder.Status.ACCEPTED}


def can_resolve_dispute(user, order: ServiceOrder) -> bool:
    """The official of the district that issued the order's voucher: its money is at stake."""
    return is_district_official(user, order.voucher.issuing_region_id) and (
        order.status == ServiceOrder.Status.DISPUTED
    )


def can_rate_order(user, order: ServiceOrder) -> bool:
    return (
        is_order_enterprise(user, order)
        and order.status == ServiceOrder.Status.CONFIRMED
        and not hasattr(order, "rating")
    )


def can_publish_demand(user) -> bool:
    return _authenticated(user) and user.is_enterprise and user.enterprise_id is not None


def is_demand_owner(user, demand) -> bool:
    return (
        _authenticated(user)
        and user.is_enterprise
        and user.enterprise_id is not None
        and user.enterprise_id == demand.enterprise_id
    )


def can_see_demand(user, demand) -> bool:
    """A public demand: anyone. One for invited providers only: its enterprise, the providers
    it invites, officials and the operator. `demands_visible_to` answers the same for lists."""
    if demand.visibility == demand.Visibility.PUBLIC:
        return True
    if not _authenticated(user):
        return False
    if user.is_operator or user.is_official or is_demand_owner(user, demand):
        return True
    if user.is_provider and user.provider_id:
        return demand.invited_providers.filter(pk=user.provider_id).exists()
    return False


def can_propose(user, demand) -> bool:
    return (
        _authenticated(user)
        and user.is_provider
        and user.provider_id is not None
        and user.provider.takes_orders
        and demand.status == demand.Status.OPEN
        and can_see_demand(user, demand)
    )


def is_proposal_provider(user, proposal) -> bool:
    return (
        _authenticated(user)
        and user.is_provider
        and user.provider_id is not None
        and user.provider_id == proposal.provider_id
    )


def can_see_demand_matches(user, demand) -> bool:
    """The ranked providers and experts of a demand (providers/matching.py): for the
    enterprise that published it and for officials (of any district: matching crosses them)
    and the operator; a provider does not see how it ranks against its competitors."""
    if not _authenticated(user):
        return False
    if user.is_official or user.is_operator:
        return True
    return user.is_enterprise and user.enterprise_id == demand.enterprise_id


# Orders in these states take no more contract, invoice or own share.
PAPERWORK_CLOSED = {ServiceOrder.Status.DECLINED, ServiceOrder.Status.CANCELLED}


def can_upload_order_documents(user, order: ServiceOrder) -> bool:
    """The contract and the invoice: either party, while the order is open."""
    return (
        is_order_enterprise(user, order) or is_order_provider(user, order)
    ) and order.status not in PAPERWORK_CLOSED


def can_record_own_share(user, order: ServiceOrder, payment) -> bool:
    """The enterprise, until the provider has confirmed the payment."""
    return (
        is_order_enterprise(user, order)
        and order.status not in PAPERWORK_CLOSED
        and (payment is None or payment.confirmed_at is None)
    )


def can_confirm_own_share(user, order: ServiceOrder, payment) -> bool:
    return (
        is_order_provider(user, order)
        and order.status not in PAPERWORK_CLOSED
        and payment is not None
        and payment.confirmed_at is None
    )
