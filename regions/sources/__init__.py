"""The rows of the vouchers and providers apps that regions reads, all in this one package.

vouchers and providers build on regions (districts, rules, the ledger); regions needs their
rows back only to settle, reconcile and show district figures. Keeping every such read here
means the arrow regions -> vouchers/providers has one tail, and a change to their tables has
one place to look at in regions.

In three modules by concern (settlement, figures, statistics); read them as `sources.<name>`.
"""

from regions.sources.figures import (
    certificate_by_serial,
    certificates_without_pdf,
    certified_providers_per_region,
    counts_in_one_query,
    evidence_hashes,
    file_integrity_checks,
    official_queue_counts,
    official_queues,
    open_risk_flag_count,
    open_risk_flags,
    voucher_by_serial,
    voucher_totals_per_region,
    vouchers_without_certificate,
)
from regions.sources.settlement import (
    SPENT,
    all_redemptions,
    all_vouchers,
    batch_pair_totals,
    batch_redemption_rows,
    claimed_by_batches,
    monthly_flows_from_redemptions,
    redemptions_claim,
    settled_pair_totals,
    settlement_items_unlike_their_redemption,
    unsettled_id_range,
    unsettled_redemptions,
)
from regions.sources.statistics import (
    statistics_categories,
    statistics_categories_named,
    statistics_demands,
    statistics_enterprises_served,
    statistics_payments,
    statistics_vouchers_issued,
)

__all__ = [
    "SPENT",
    "all_redemptions",
    "all_vouchers",
    "batch_pair_totals",
    "batch_redemption_rows",
    "certificate_by_serial",
    "certificates_without_pdf",
    "certified_providers_per_region",
    "claimed_by_batches",
    "counts_in_one_query",
    "evidence_hashes",
    "file_integrity_checks",
    "monthly_flows_from_redemptions",
    "official_queue_counts",
    "official_queues",
    "open_risk_flag_count",
    "open_risk_flags",
    "redemptions_claim",
    "settled_pair_totals",
    "settlement_items_unlike_their_redemption",
    "statistics_categories",
    "statistics_categories_named",
    "statistics_demands",
    "statistics_enterprises_served",
    "statistics_payments",
    "statistics_vouchers_issued",
    "unsettled_id_range",
    "unsettled_redemptions",
    "voucher_by_serial",
    "voucher_totals_per_region",
    "vouchers_without_certificate",
]
