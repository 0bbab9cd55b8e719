"""Technology managers (技术经纪人) brokering demands: the writes.

- An enterprise asks a manager who serves its district to broker one of its open demands; the
  order that results from the demand records the manager (providers/services/demands.py), and
  the dashboards count each manager's deals.
- The manager brokering a demand introduces certified providers to it (each told, and invited
  if the demand is invited-only; the enterprise told too), or steps back with a reason, so
  that the enterprise may ask another manager.

Every write is one durable transaction with its audit entry; e-mail goes through the outbox.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.security import written_text
from providers.models import Demand, Provider, TechnologyManager
from providers.models.libraries import DemandIntroduction
from providers.selectors import provider_emails
from providers.services.demands import lock_demand
from providers.services.orders import relation_refusal
from providers.services.proposals import advising_expert_with_stake
from regions.models import AuditEntry, User
from regions.services import audit_record
from vouchers.selectors import enterprise_emails

NOTE_MAX = 2000


def _manager_emails(manager: TechnologyManager) -> list[str]:
    emails = [manager.contact_email]
    if manager.user_id and manager.user.is_active:
        emails.append(manager.user.email)
    return emails


@transaction.atomic(durable=True)
def demand_broker_request(*, actor: User, demand: Demand, manager: TechnologyManager) -> Demand:
    """An enterprise asks a technology manager who serves its district to broker one of its
    open demands. The manager is told; the order the demand ends in records the manager."""
    if not (actor and actor.is_authenticated and actor.is_enterprise):
        raise NotAllowed(_("Only the enterprise of a demand asks a manager to broker it."))
    demand = Demand.objects.select_for_update(of=("self",)).get(pk=demand.pk)
    if demand.enterprise_id != actor.enterprise_id:
        raise NotAllowed(_("Only the enterprise of a demand asks a manager to broker it."))
    manager = TechnologyManager.objects.select_related("user").get(pk=manager.pk)
    if not manager.takes_requests:
        raise InvalidTransition(_("This manager takes no requests now."), code="manager_inactive")
    if not manager.regions_served.filter(pk=demand.region_id).exists():
        raise ValidationFailed(
            _("This manager does not serve your district."), field="manager", code="not_served"
        )
    if demand.status != Demand.Status.OPEN:
        raise InvalidTransition(_("Only an open demand can be brokered."), code="demand_not_open")
    if demand.technology_manager_id is not None:
        raise InvalidTransition(
            _("A technology manager brokers this demand already."), code="already_brokered"
        )
    demand.technology_manager = manager
    demand.save(update_fields=["technology_manager"])
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.ASSIGN,
        data={"technology_manager": manager.pk},
    )
    notify_after_commit(
        recipients=_manager_emails(manager),
        email="providers/broker_requested",
        context=lambda: {
            "manager": manager.display_name,
            "enterprise": demand.enterprise.display_name,
            "title": demand.title,
            "url": portal_url("manager-dashboard"),
        },
    )
    return demand


def _brokers(actor: User, manager: TechnologyManager | None) -> bool:
    """Is `actor` the manager's own account, the manager still in the library? A manager
    withdrawn from it has left the programme: its brokering ends with it."""
    return bool(
        actor
        and actor.is_authenticated
        and actor.role == User.Role.MANAGER
        and manager is not None
        and manager.user_id == actor.pk
        and manager.takes_requests
    )


def check_brokering_manager(actor: User, demand: Demand) -> None:
    """403 unless `actor` is the active manager brokering `demand`: asked before a request's
    body is read, so that its answers tell nobody else anything. The services ask again
    under the demand's lock."""
    manager = demand.technology_manager if demand.technology_manager_id else None
    if not _brokers(actor, manager):
        raise NotAllowed(_("Only the technology manager brokering this demand may do this."))


def _locked_own_brokered_demand(actor: User, demand: Demand, *, refusal: str) -> Demand:
    """The demand locked (as a proposal or an assignment locks it, so that an introduction
    and the demand's award or closing cannot cross unseen), with its manager read; `refusal`
    unless `actor` is the active manager brokering it."""
    # Only a manager's account locks the demand at all.
    if not (actor and actor.is_authenticated and actor.role == User.Role.MANAGER):
        raise NotAllowed(refusal)
    demand = lock_demand(demand)
    manager = (
        TechnologyManager.objects.select_related("user")
        .filter(pk=demand.technology_manager_id)
        .first()
    )
    if not _brokers(actor, manager):
        raise NotAllowed(refusal)
    demand.technology_manager = manager
    return demand


@transaction.atomic(durable=True)
def demand_provider_introduce(
    *, actor: User, demand: Demand, provider: Provider, note: str = ""
) -> DemandIntroduction:
    """The manager brokering an open demand introduces a certified provider the enterprise's
    vouchers may pay: the provider is told (and invited, if only invited providers see the
    demand, so that it may propose), and so is the enterprise. Once per provider and demand."""
    demand = _locked_own_brokered_demand(
        actor,
        demand,
        refusal=_("Only the technology manager brokering this demand introduces providers to it."),
    )
    manager = demand.technology_manager
    if demand.status != Demand.Status.OPEN:
        raise InvalidTransition(
            _("This demand is %(status)s: no provider can be introduced to it.")
            % {"status": demand.get_status_display().lower()},
            code="demand_not_open",
        )
    note = written_text(note, field="note", limit=NOTE_MAX, required=False)
    provider = Provider.objects.get(pk=provider.pk)
    if not provider.takes_orders:
        # It could neither propose nor be paid: the introduction would promise nothing.
        raise InvalidTransition(
            _(
                "%(provider)s is not certified (%(status)s): only a certified provider can be "
                "introduced."
            )
            % {"provider": provider.display_name, "status": provider.get_status_display().lower()},
            code="provider_not_certified",
            field="provider",
        )
    unpayable = relation_refusal(demand.enterprise, provider)
    if unpayable is not None:
        # The enterprise could never accept its proposal (proposal_accept refuses the same).
        raise ValidationFailed(
            _(
                "%(provider)s is the enterprise itself or a declared related party of it: its "
                "vouchers cannot pay it. Introduce another provider."
            )
            % {"provider": provider.display_name},
            field="provider",
            code=unpayable.code,
        )
    adviser = advising_expert_with_stake(demand, provider=provider)
    if adviser is not None:
        # It could not propose (proposal_submit refuses the same).
        raise InvalidTransition(
            _(
                "%(provider)s cannot propose for this demand: its expert %(expert)s advises the "
                "district on it. Introduce another provider."
            )
            % {"provider": provider.display_name, "expert": adviser.display_name},
            field="provider",
            code="conflict_of_interest",
        )
    already = _("%(provider)s has been introduced to this demand already.") % {
        "provider": provider.display_name
    }
    if DemandIntroduction.objects.filter(demand=demand, provider=provider).exists():
        raise InvalidTransition(already, code="already_introduced", field="provider")
    try:
        with transaction.atomic():
            introduction = DemandIntroduction.objects.create(
                demand=demand, provider=provider, manager=manager, note=note
            )
    except IntegrityError:
        # Two requests at once: the constraint keeps one introduction.
        raise InvalidTransition(already, code="already_introduced", field="provider") from None
    invited = False
    if (
        demand.visibility == Demand.Visibility.INVITED
        and not demand.invited_providers.filter(pk=provider.pk).exists()
    ):
        # Otherwise the provider could neither read the demand it is told about nor propose.
        demand.invited_providers.add(provider)
        invited = True
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.RECORD,
        data={
            "introduction": introduction.pk,
            "provider": provider.pk,
            "technology_manager": manager.pk,
            "invited": invited,
        },
    )
    url = portal_url("demand-detail", demand.pk)
    notify_after_commit(
        recipients=provider_emails(provider.pk),
        email="providers/demand_introduced",
        context=lambda: {
            "manager": manager.display_name,
            "enterprise": demand.enterprise.display_name,
            "title": demand.title,
            "note": note,
            "url": url,
        },
    )
    notify_after_commit(
        recipients=enterprise_emails(demand.enterprise_id),
        email="providers/provider_introduced",
        context=lambda: {
            "manager": manager.display_name,
            "provider": provider.display_name,
            "title": demand.title,
            "note": note,
            "url": url,
        },
    )
    return introduction


@transaction.atomic(durable=True)
def demand_broker_withdraw(*, actor: User, demand: Demand, reason: str) -> Demand:
    """The manager brokering an open demand steps back, with the reason the enterprise reads
    (told by e-mail) when it asks another manager. An order already made from the demand
    keeps its manager: that deal was brokered."""
    demand = _locked_own_brokered_demand(
        actor, demand, refusal=_("Only the technology manager brokering this demand steps back.")
    )
    manager = demand.technology_manager
    if demand.status != Demand.Status.OPEN:
        raise InvalidTransition(
            _("This demand is %(status)s: there is no brokering left to step back from.")
            % {"status": demand.get_status_display().lower()},
            code="demand_not_open",
        )
    reason = written_text(reason, field="reason", limit=NOTE_MAX, required=False)
    if not reason:
        raise ValidationFailed(
            _("Say why you step back: the enterprise reads it when asking another manager."),
            field="reason",
        )
    demand.technology_manager = None
    demand.save(update_fields=["technology_manager"])
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.WITHDRAW,
        reason=reason,
        data={"technology_manager": manager.pk},
    )
    notify_after_commit(
        recipients=enterprise_emails(demand.enterprise_id),
        email="providers/broker_withdrawn",
        context=lambda: {
            "manager": manager.display_name,
            "title": demand.title,
            "reason": reason,
            "url": portal_url("demand-detail", demand.pk),
            "library_url": portal_url("manager-library"),
        },
    )
    return demand
