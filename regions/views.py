"""Public pages (home, verification), the login landing and the role dashboards."""

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Sum
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from providers.models import Provider, ProviderCertificate
from regions import dashboards
from regions.charts import bar_chart, flow_matrix
from regions.models import ProgrammeRules
from regions.selectors import current_year, region_list
from vouchers.models import Voucher


@require_GET
def home(request):
    year = current_year()
    rules = {r.region_id: r for r in ProgrammeRules.objects.filter(year=year)}
    provider_counts = dict(
        Provider.objects.filter(status=Provider.Status.CERTIFIED)
        .values_list("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    voucher_totals = {
        row["issuing_region_id"]: row
        for row in Voucher.objects.filter(year=year)
        .values("issuing_region_id")
        .annotate(n=Count("id"), face=Sum("face_value"), redeemed=Sum("redeemed"))
    }
    districts = [
        {
            "region": region,
            "rules": rules.get(region.id),
            "providers": provider_counts.get(region.id, 0),
            "vouchers": voucher_totals.get(region.id, {}).get("n", 0),
            "issued": voucher_totals.get(region.id, {}).get("face") or 0,
            "redeemed": voucher_totals.get(region.id, {}).get("redeemed") or 0,
        }
        for region in region_list()
    ]
    return render(request, "regions/home.html", {"districts": districts, "year": year})


@login_required
def dashboard(request):
    """Send each role to the page that opens on what needs it now."""
    user = request.user
    targets = {
        "enterprise": "enterprise-dashboard",
        "provider": "provider-dashboard",
        "official": "official-dashboard",
        "operator": "operator-dashboard",
    }
    target = targets.get(user.role)
    if target:
        from django.urls import NoReverseMatch, reverse

        try:
            return redirect(reverse(target))
        except NoReverseMatch:
            pass
    return render(request, "regions/dashboard.html", {})


# What a voucher or certificate serial is written with (regions/codes.py), with room to spare.
SERIAL_CHARACTERS = re.compile(r"[A-Za-z0-9-]{1,64}")


@require_GET
def verify_lookup(request):
    serial = (request.GET.get("serial") or "").strip()
    if SERIAL_CHARACTERS.fullmatch(serial):
        return redirect("verify", serial=serial)
    if serial:
        # A "/" or other stray characters cannot be put in the /verify/<serial>/ address,
        # and no serial holds them: answer not found here.
        context = {"serial": serial, "voucher": None, "certificate": None, "found": False}
        return render(request, "regions/verify.html", context, status=404)
    return render(request, "regions/verify.html", {"serial": "", "found": None})


@require_GET
def verify(request, serial):
    """Public check of a voucher or provider certificate serial. A forged serial is 'not found'."""
    serial = serial.strip().upper()
    voucher = (
        Voucher.objects.select_related("enterprise", "issuing_region").filter(serial=serial).first()
    )
    certificate = None
    if voucher is None:
        certificate = (
            ProviderCertificate.objects.select_related("provider", "provider__region")
            .filter(serial=serial)
            .first()
        )
    found = voucher is not None or certificate is not None
    return render(
        request,
        "regions/verify.html",
        {"serial": serial, "voucher": voucher, "certificate": certificate, "found": found},
        status=200 if found else 404,
    )


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def official_dashboard(request):
    """What needs the district official now, the district's budget and its flows."""
    if not request.user.is_official:
        raise PermissionDenied
    region = request.user.region
    data = dashboards.official_dashboard(region=region)
    months = [str(m) for m in dashboards.MONTHS]
    data["monthly_chart"] = bar_chart(
        title=_("Vouchers issued and redeemed per month, %(year)s") % {"year": data["year"]},
        labels=months,
        series=[(_("Issued"), data["monthly_issued"]), (_("Redeemed"), data["monthly_redeemed"])],
    )
    data["monthly_rows"] = list(
        zip(months, data["monthly_issued"], data["monthly_redeemed"], strict=True)
    )
    return render(request, "regions/official_dashboard.html", {"region": region, **data})


@login_required
def operator_dashboard(request):
    """The four districts side by side, the flow matrix and the settlement batches."""
    if not request.user.is_operator:
        raise PermissionDenied
    data = dashboards.operator_dashboard()
    codes = [r.code for r in data["regions"]]
    names = [r.local_name for r in data["regions"]]
    data["flow_chart"] = flow_matrix(
        title=_(
            "What each district (row) owes each other district (column) for approved cross-region redemptions"
        ),
        codes=codes,
        names=names,
        amounts=data["flows"],
    )
    data["flow_table"] = [
        {
            "region": r,
            "cells": [data["flows"].get((r.code, c)) if r.code != c else None for c in codes],
        }
        for r in data["regions"]
    ]
    return render(request, "regions/operator_dashboard.html", data)
