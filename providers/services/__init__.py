"""Writes of the providers app, one module per topic:

- certification: applying, the officials' decisions (certify or reinstate, reject, suspend,
  revoke);
- certificates: the certificates those decisions issue and move, the certificate PDF;
- notices: the public notice of a newly approved provider, objections and their answers, and
  the beat's conclusion that certifies it;
- catalogue: the services a provider lists;
- orders: ordering a service with a voucher, and the rules on whom a voucher may pay;
- delivery: the life of the order after that (accept, complete, confirm, dispute, cancel, rate,
  the official's decision on a dispute);
- demands: technology demands;
- proposals: the proposals that answer them, and accepting one;
- digest: the daily e-mail of new demands that fit each provider;
- libraries: the expert library (contacting an expert, assignments, comments, declining);
- brokering: technology managers brokering a demand (asked to, introducing providers to it,
  stepping back).

Every public function is one action in one transaction: it locks the row it moves, checks the
edge against the model's TRANSITIONS (portal.states), writes the audit entry, and queues
e-mail and Celery work to run only after commit. Refusals are domain errors (portal.errors),
never half-writes.
"""

from providers.services.brokering import demand_broker_withdraw, demand_provider_introduce
from providers.services.catalogue import offering_create, offering_update
from providers.services.certificates import (
    certificate_reinstate,
    certificate_render_pdf,
    certificate_revoke,
    certificate_suspend,
    certificate_verify_url,
)
from providers.services.certification import (
    provider_apply,
    provider_certify,
    provider_put_on_notice,
    provider_register,
    provider_reinstate,
    provider_reject,
    provider_revoke,
    provider_suspend,
)
from providers.services.delivery import (
    DisputeDecision,
    order_accept,
    order_cancel,
    order_complete,
    order_confirm,
    order_decline,
    order_dispute,
    order_rate,
    order_resolve_dispute,
)
from providers.services.demands import (
    demand_close,
    demand_edit,
    demand_publish,
    demands_close_expired,
)
from providers.services.digest import matching_digest_send
from providers.services.notices import (
    notice_conclude,
    notices_conclude_due,
    objection_answer,
    objection_raise,
)
from providers.services.orders import order_create
from providers.services.proposals import proposal_accept, proposal_submit, proposal_withdraw

__all__ = [
    "DisputeDecision",
    "certificate_reinstate",
    "certificate_render_pdf",
    "certificate_revoke",
    "certificate_suspend",
    "certificate_verify_url",
    "demand_broker_withdraw",
    "demand_close",
    "demand_edit",
    "demand_provider_introduce",
    "demand_publish",
    "demands_close_expired",
    "matching_digest_send",
    "notice_conclude",
    "notices_conclude_due",
    "objection_answer",
    "objection_raise",
    "offering_create",
    "offering_update",
    "order_accept",
    "order_cancel",
    "order_complete",
    "order_confirm",
    "order_create",
    "order_decline",
    "order_dispute",
    "order_rate",
    "order_resolve_dispute",
    "proposal_accept",
    "proposal_submit",
    "proposal_withdraw",
    "provider_apply",
    "provider_certify",
    "provider_put_on_notice",
    "provider_register",
    "provider_reinstate",
    "provider_reject",
    "provider_revoke",
    "provider_suspend",
]
