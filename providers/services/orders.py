"""Ordering a service: an enterprise requests a service from a certified provider, to be paid
with one of its active vouchers, and the rules on whom a voucher may pay (own credit code,
declared related parties, cross-region, categories) are checked here, once. What happens to
the order afterwards (accepting, completing, confirming, disputing, cancelling, rating) is in
providers.services.delivery, which e-mails the parties through _tell here.

Lock order (CONVENTIONS.md): voucher -> service order.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import normalise_credit_code
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.money import parse_money
from portal.notifications import notify_after_commit
from portal.security import shown_text
from providers.models import Provider, ServiceOffering, ServiceOrder
from providers.selectors import provider_emails
from providers.services.inputs import required_text
from providers.services.risk import risk_check_order
from regions.models import AuditEntry, NotificationPreference, User
from regions.selectors import category_refusal
from regions.services import audit_record
from vouchers.selectors import enterprise_emails


def _tell(order: ServiceOrder, name: str, *, to_enterprise: bool, extra=(), **context) -> None:
    """E-mail the enterprise side or the provider side of an order: `name` is the template
    under emails/providers/, `context` its words besides the order's id, title and link. A
    value may be a function (a name): it is called in each reader's language."""
    if to_enterprise:
        recipients = enterprise_emails(order.enterprise_id)
    else:
        recipients = provider_emails(order.provider_id)
    notify_after_commit(
        recipients=[*recipients, *extra],
        kind=NotificationPreference.Kind.ORDER_UPDATES,
        email=f"providers/{name}",
        context=lambda: {
            "id": str(order.pk),
            "title": order.title,
            "url": portal_url("order-detail", order.pk),
            **{key: value() if callable(value) else value for key, value in context.items()},
        },
    )


@transaction.atomic(durable=True)
def order_create(
    *,
    actor: User,
    provider: Provider,
    voucher,
    title: str,
    contract_amount,
    description: str = "",
    offering: ServiceOffering | None = None,
) -> ServiceOrder:
    """An enterprise orders a service from a certified provider, to be paid with one of its
    active vouchers. The fraud rules (own credit code, declared related parties) and the
    voucher's cross-region rule are checked here, once, for the page and the API."""
    return order_create_within(
        actor=actor,
        provider=provider,
        voucher=voucher,
        title=title,
        contract_amount=contract_amount,
        description=description,
        offering=offering,
    )


def relation_refusal(enterprise, provider, *, field: str = "provider") -> ValidationFailed | None:
    """Why the enterprise's vouchers may not pay this provider at all (its own credit code,
    or a related party), or None: the order and instrument pages say it before the form is
    filled in. `field`: what the refusal stands beside (a booking names no provider)."""
    from vouchers.services.related_parties import is_related_party

    if normalise_credit_code(provider.credit_code) == normalise_credit_code(enterprise.credit_code):
        return ValidationFailed(
            _(
                "An enterprise cannot pay itself with its voucher: the provider has its credit code."
            ),
            field=field,
            code="own_provider",
        )
    if is_related_party(enterprise_id=enterprise.pk, provider_id=provider.pk):
        return ValidationFailed(
            _("%(name)s is a declared related party of your enterprise; vouchers cannot pay it.")
            % {"name": provider.display_name},
            field=field,
            code="related_party",
        )
    return None


def order_create_within(
    *,
    actor: User,
    provider: Provider,
    voucher,
    title: str,
    contract_amount,
    description: str = "",
    offering: ServiceOffering | None = None,
) -> ServiceOrder:
    """`order_create` inside a transaction the caller holds (accepting a proposal creates its
    order in the same transaction as the award, providers/services/demands.py)."""
    from vouchers.models import Voucher

    if not (actor.is_authenticated and actor.is_enterprise and actor.enterprise_id):
        raise NotAllowed(_("Only an enterprise can order services."))
    if voucher.enterprise_id != actor.enterprise_id:
        raise NotAllowed(_("This voucher belongs to another enterprise."))
    title = required_text(title, field="title", message=_("Give the order a title."))
    amount = parse_money(contract_amount, field="contract_amount")
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("enterprise", "issuing_region")
        .get(pk=voucher.pk)
    )
    provider = Provider.objects.select_related("region").get(pk=provider.pk)
    enterprise = voucher.enterprise
    if not provider.takes_orders:
        raise InvalidTransition(
            _("This provider is not certified (%(status)s) and takes no orders.")
            % {"status": provider.get_status_display().lower()},
            code="provider_not_certified",
            field="provider",
        )
    if voucher.status != Voucher.Status.ACTIVE or voucher.expires_at <= timezone.now():
        raise InvalidTransition(
            _("Voucher %(serial)s is not active and cannot pay for an order.")
            % {"serial": voucher.serial},
            code="voucher_not_active",
            field="voucher",
        )
    refusal = relation_refusal(enterprise, provider)
    if refusal is not None:
        raise refusal
    if provider.region_id != voucher.issuing_region_id and not voucher.cross_region:
        raise ValidationFailed(
            _("Voucher %(serial)s can only be used with providers in %(region)s.")
            % {"serial": voucher.serial, "region": voucher.issuing_region.display_name},
            field="voucher",
            code="not_cross_region",
        )
    if offering is not None and (offering.provider_id != provider.pk or not offering.active):
        raise ValidationFailed(_("This service is not offered by this provider."), field="offering")
    # The voucher's rules snapshot may limit the categories it pays for.
    refusal = category_refusal(
        voucher,
        [offering.category_id]
        if offering is not None
        else provider.categories.values_list("pk", flat=True),
    )
    if refusal:
        raise InvalidTransition(refusal, code="category_not_eligible", field="offering")
    order = ServiceOrder.objects.create(
        enterprise=enterprise,
        provider=provider,
        voucher=voucher,
        offering=offering,
        title=title,
        description=shown_text(description, field="description"),
        contract_amount=amount,
        status=ServiceOrder.Status.REQUESTED,
    )
    audit_record(
        actor=actor,
        obj=order,
        action=AuditEntry.Action.REQUEST,
        to_status=order.status,
        data={"voucher": voucher.serial, "contract_amount": str(amount)},
    )
    # Shared details and split contracts raise flags for the district, not refusals.
    risk_check_order(order)
    _tell(
        order,
        "order_requested",
        to_enterprise=False,
        enterprise=lambda: enterprise.display_name,
        amount=f"{amount:,.2f}",  # as the pages print it: ¥150,000.00
    )
    return order
