"""Risk flags on service orders: raised by the integrity checks, cleared by an official of the
voucher's issuing district with a reason. A redemption on an order with an open flag waits."""

from django.db import IntegrityError, transaction

from providers.models import RiskFlag, ServiceOrder
from regions.models import AuditEntry, User
from regions.services import audit_record


def risk_flag_raise(
    *, order: ServiceOrder, kind: str, evidence: dict, actor: User | None = None
) -> RiskFlag:
    """Open a flag of this kind on the order, or return the one already open (raising twice
    is one flag). Runs inside the caller's transaction."""
    existing = RiskFlag.objects.filter(
        service_order=order, kind=kind, cleared_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        # A savepoint, so that a concurrent raise losing the unique race leaves the caller's
        # transaction usable.
        with transaction.atomic():
            flag = RiskFlag.objects.create(service_order=order, kind=kind, evidence=evidence)
    except IntegrityError:
        return RiskFlag.objects.get(service_order=order, kind=kind, cleared_at__isnull=True)
    audit_record(
        actor=actor,
        obj=order,
        action=AuditEntry.Action.FLAG,
        reason=str(flag.get_kind_display()),
        data={"risk_flag": flag.pk, "kind": kind, "evidence": evidence},
    )
    return flag


def open_risk_flags(order: ServiceOrder):
    return RiskFlag.objects.filter(service_order=order, cleared_at__isnull=True)
