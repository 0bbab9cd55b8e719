"""The officials' claim notice: each minute, every district whose officials have new claims
to decide gets one e-mail listing them.

Why not an e-mail per claim: the claim is the programme's busiest write, and an e-mail per
claim cost each one an outbox row, a publish to the broker, a mark and a worker run (about
half of a claim's CPU under load); officials of a busy district also read one message a
minute better than hundreds. A claim now writes nothing for its notice.

Each claim is listed once. The run lists a district's pending claims that have no
`ClaimNotice` row yet and inserts those rows in the transaction that queues the e-mail (the
outbox), so the e-mail and the rows commit together or not at all. Two runs at once (a
redelivered task beside the next beat) take turns on the district's row, locked FOR NO KEY
UPDATE, which the claims' foreign-key checks on that row do not wait for; the rows' primary
key (the redemption) would refuse a second listing anyway. No cursor by id: a claim that
commits after a run has read its district is simply listed by the next run, whatever its id.
"""

from django.db import transaction

from portal.links import portal_url
from portal.notifications import notify_officials_after_commit
from regions.models import Region, reads_chinese
from regions.selectors import official_emails
from vouchers.models import ClaimNotice, Redemption

# The e-mail names this many claims and counts the rest; the page lists them all.
CLAIMS_NAMED = 20
# One transaction lists at most this many of a district's claims; the next run lists the rest.
CLAIMS_PER_RUN = 10_000


def claims_not_yet_listed(region_id: int):
    return Redemption.objects.filter(
        issuing_region_id=region_id, status=Redemption.Status.PENDING, claim_notice__isnull=True
    )


def claim_notices_send() -> int:
    """The minute task's work: one e-mail per district with new claims. Returns how many.
    District by district, so that each read walks the (district, status) index."""
    region_ids = list(Region.objects.order_by("id").values_list("id", flat=True))
    return sum(claim_notice_send(region_id=region_id) for region_id in region_ids)


@transaction.atomic
def claim_notice_send(*, region_id: int) -> int:
    """List the district's new claims and queue their e-mail; 0 when there were none, or
    when the district has no official to tell yet (its first official hears of them all)."""
    Region.objects.select_for_update(no_key=True).filter(pk=region_id).first()
    if not official_emails(region_id):
        return 0
    claims = claims_not_yet_listed(region_id).order_by("id")[:CLAIMS_PER_RUN]
    amounts = dict(claims.values_list("id", "amount"))
    if not amounts:
        return 0
    ids = sorted(amounts)
    ClaimNotice.objects.bulk_create([ClaimNotice(redemption_id=pk) for pk in ids])
    named = (
        Redemption.objects.filter(pk__in=ids[:CLAIMS_NAMED])
        .order_by("id")
        .values(
            "id",
            "amount",
            "voucher__serial",
            "provider__name",
            "provider__name_zh",
            "service_order__title",
        )
    )
    notify_officials_after_commit(
        region_id=region_id,
        email="vouchers/redemptions_claimed",
        context=lambda: {
            "count": len(ids),
            "total": f"{sum(amounts.values()):,.2f}",
            "claims": [
                {
                    "id": row["id"],
                    "provider": (reads_chinese() and row["provider__name_zh"])
                    or row["provider__name"],
                    "amount": f"{row['amount']:,.2f}",
                    "serial": row["voucher__serial"],
                    "order": row["service_order__title"],
                }
                for row in named
            ],
            "more": max(len(ids) - CLAIMS_NAMED, 0),
            "url": portal_url("redemptions-to-approve"),
        },
    )
    return 1
