"""The portal's URLs plus the bare "floor" views the benchmarks compare against.

Served by the same gunicorn (or test Client) as the portal when ROOT_URLCONF is
`benchmarks.floor_urls`, so a floor differs from the real page only by what the portal adds.
Never part of a deployment.
"""

import functools
import json

from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benchmarks import http_claims
from portal.urls import urlpatterns as portal_urlpatterns
from regions.models import Region
from vouchers.models import Voucher

VOUCHER_FIELDS = [
    "serial",
    "enterprise",
    "enterprise__name",
    "issuing_region__code",
    "year",
    "face_value",
    "balance",
    "held",
    "redeemed",
    "released",
    "cross_region",
    "status",
    "status_reason",
    "issued_at",
    "expires_at",
]


@functools.cache
def region_id(code: str) -> int:
    # The four districts come from a data migration and never change.
    return Region.objects.values_list("id", flat=True).get(code=code)


def voucher_list_floor(request):
    """The rows of `GET /api/vouchers/?issuing_region=&status=&page_size=` with nothing
    else: no authentication, scope, throttle, count, serializer or pagination links. One
    query, on the (issuing_region, status, id) index: a join on the district's code would let
    PostgreSQL walk the primary key instead."""
    size = min(int(request.GET.get("page_size", 50)), 200)
    rows = (
        Voucher.objects.filter(
            issuing_region_id=region_id(request.GET.get("issuing_region", "WUJIN").upper()),
            status=request.GET.get("status", "active"),
        )
        .order_by("-id")
        .values(*VOUCHER_FIELDS)[:size]
    )
    return JsonResponse({"results": list(rows)})


@login_required
def page_floor(request):
    """The site's frame (base.html, navigation, session and authentication) with no content:
    what any logged-in page costs before its own queries and template."""
    return render(request, "base.html", {})


@csrf_exempt
@require_POST
def claim_floor(request):
    """A claim's writes and nothing else, for `{"order", "voucher", "provider", "amount"}`:
    the three statements of benchmarks/http_claims.py's floor in one transaction (no
    authentication, idempotency, checks or serializer). 201, or 409 when the balance is short.
    """
    item = json.loads(request.body)
    params = {"x": item["amount"], "voucher": item["voucher"], "order": item["order"]}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(http_claims.FLOOR_UPDATE, params)
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"detail": "short"}, status=409)
        params.update(region=row[0], provider=item["provider"])
        cursor.execute(http_claims.FLOOR_INSERT, params)
        redemption = cursor.fetchone()[0]
        data = json.dumps({"amount": item["amount"], "order": item["order"]})
        cursor.execute(http_claims.FLOOR_AUDIT, {"id": str(redemption), "data": data})
    return JsonResponse({"id": redemption}, status=201)


urlpatterns = [
    path("bench/floor/claim/", claim_floor, name="bench-floor-claim"),
    path("bench/floor/vouchers/", voucher_list_floor, name="bench-floor-vouchers"),
    path("bench/floor/page/", page_floor, name="bench-floor-page"),
    *portal_urlpatterns,
]
