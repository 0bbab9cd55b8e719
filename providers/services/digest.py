"""The daily matching digest: each certified provider hears, once a day at most, of the new
public demands it fits best (providers/matching.py).

A provider's digest lists the open public demands published since its last digest (since a
day ago for its first) for which it ranks among the top `DIGEST_TOP` of all certified
providers. No fitting demand, no e-mail and no row: the next digest still starts from the last
one sent. The (provider, day) unique constraint of `DigestSent` makes a second run the same day
(a retry, a duplicate beat, two workers) send nothing more: the row is written in the same
transaction as the outbox message of the e-mail.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portal.links import portal_url
from portal.notifications import notify_after_commit
from providers.matching import demand_matches, provider_pool
from providers.matching_exclusions import advising_providers_of, unpayable_codes_of
from providers.models import Demand, DigestSent, Provider
from providers.selectors import provider_emails

DIGEST_TOP = 5
FIRST_DIGEST_LOOKBACK = timedelta(days=1)


def matching_digest_send(*, now: datetime | None = None) -> int:
    """Send today's digests; returns how many providers were sent one. The ranking pool is
    read once and each new demand ranked once, whatever the number of providers."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    pool = provider_pool()
    ids = [candidate.id for candidate in pool]
    done_today = set(
        DigestSent.objects.filter(day=day, provider_id__in=ids).values_list(
            "provider_id", flat=True
        )
    )
    last_sent = dict(
        DigestSent.objects.filter(provider_id__in=ids)
        .values("provider_id")
        .annotate(last=Max("sent_at"))
        .values_list("provider_id", "last")
    )
    since = {
        pk: last_sent.get(pk) or now - FIRST_DIGEST_LOOKBACK for pk in ids if pk not in done_today
    }
    if not since:
        return 0
    demands = (
        Demand.objects.filter(
            visibility=Demand.Visibility.PUBLIC,
            status=Demand.Status.OPEN,
            deadline__gte=day,
            created_at__gt=min(since.values()),
            created_at__lte=now,
        )
        .select_related("category", "region", "enterprise")
        .order_by("created_at", "id")
    )
    unpayable = unpayable_codes_of(demands)
    advised = advising_providers_of(demands)
    fits: dict[int, list[dict]] = {}
    for demand in demands:
        matches = demand_matches(
            demand,
            limit=DIGEST_TOP,
            pool=pool,
            unpayable=unpayable[demand.pk],
            advised=advised[demand.pk],
        )
        for match in matches:
            pk = match["provider"].pk
            if pk in since and demand.created_at > since[pk]:
                fits.setdefault(pk, []).append({"demand": demand, "reasons": match["reasons"]})
    providers = {candidate.id: candidate.obj for candidate in pool}
    return sum(
        _send_digest(provider=providers[pk], day=day, now=now, items=fits[pk])
        for pk in sorted(fits)
    )


@transaction.atomic(durable=True)
def _send_digest(*, provider: Provider, day, now: datetime, items: list[dict]) -> bool:
    """One provider's digest: its row and its e-mail commit together, or neither."""
    digest, made = DigestSent.objects.get_or_create(
        provider=provider, day=day, defaults={"sent_at": now}
    )
    if not made:
        return False
    digest.demands.set([item["demand"] for item in items])
    for item in items:
        item["url"] = portal_url("demand-detail", item["demand"].pk)
    notify_after_commit(
        recipients=provider_emails(provider.pk),
        email="providers/matching_digest",
        context=lambda: {"name": provider.display_name, "items": items, "count": len(items)},
    )
    return True
