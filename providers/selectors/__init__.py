"""Reads of providers, certificates, offerings and service orders, scoped to the reader.

Every list here runs a constant number of queries whatever its length: foreign keys are
joined (`select_related`), many-to-many and reverse relations are prefetched once per page.

Split by concern: `directory` (providers, their certificates and offerings), `orders` (service
orders, their evidence and paperwork), `demands` (demands and proposals), `notices` (the public
notice of providers). Callers import from `providers.selectors`.
"""

from providers.selectors.demands import (
    advises_or_brokers,
    demand_list,
    demand_search,
    demands_of,
    demands_visible_to,
    proposals_acceptable_by,
    proposals_visible_to,
)
from providers.selectors.directory import (
    categories,
    filter_providers,
    latest_certificate,
    offerings_of,
    offerings_visible_to,
    provider_directory,
    provider_emails,
    provider_profile,
    providers_decidable_by,
    providers_to_certify,
    providers_visible_to,
    regions,
    track_records,
)
from providers.selectors.notices import provider_notice_objections, provider_notices
from providers.selectors.orders import (
    claim_status_of,
    disputed_orders_for,
    enterprise_voucher,
    enterprise_vouchers,
    has_live_claim,
    latest_file_integrity_check,
    order_evidence,
    order_paperwork,
    orders_visible_to,
    own_share_due,
    paperwork_annotations,
    paperwork_missing,
    paperwork_section,
    voucher_share_of,
    voucher_terms,
    with_claim_status,
)

__all__ = [
    "categories",
    "demand_list",
    "demand_search",
    "demands_of",
    "demands_visible_to",
    "disputed_orders_for",
    "enterprise_voucher",
    "enterprise_vouchers",
    "claim_status_of",
    "has_live_claim",
    "filter_providers",
    "latest_certificate",
    "latest_file_integrity_check",
    "offerings_of",
    "offerings_visible_to",
    "order_evidence",
    "order_paperwork",
    "orders_visible_to",
    "own_share_due",
    "voucher_share_of",
    "with_claim_status",
    "paperwork_annotations",
    "paperwork_missing",
    "paperwork_section",
    "voucher_terms",
    "provider_directory",
    "provider_emails",
    "provider_notice_objections",
    "provider_notices",
    "provider_profile",
    "providers_decidable_by",
    "providers_to_certify",
    "providers_visible_to",
    "proposals_acceptable_by",
    "advises_or_brokers",
    "proposals_visible_to",
    "regions",
    "track_records",
]
