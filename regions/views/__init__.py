"""Pages of the regions app: the public home page and serial check, the login landing, the
officials' and the operator's dashboards. Settlement's pages are in `settlement`, the
people's, notices', rules' and statistics' in their own modules."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.charts import bar_chart, flow_matrix, month_label
from portal.codes import serial_check_digit_is_wrong, typed_serial
from portal.throttling import SerialCheckThrottle, page_throttle_wait
from portal.views import render_throttled
from providers.selectors import brokered_deals
from regions import dashboards, sources
from regions.models import ProgrammeRules
from regions.selectors import current_year, region_list
from vouchers.permissions import can_read_voucher_holder, masked_holder


@require_GET
def home(request):
    year = current_year()
    rules = {r.region_id: r for r in ProgrammeRules.objects.filter(year=year)}
    provider_counts = sources.certified_providers_per_region()
    voucher_totals = sources.voucher_totals_per_region(year=year)
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


@require_GET
def how_to_apply(request):
    """The programme's steps for a newcomer, from registering to the provider being paid."""
    return render(request, "regions/how_to_apply.html")


FAVICON = settings.BASE_DIR / "static" / "favicon.svg"


@require_GET
def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page links: answer it with
    the portal's icon itself (an SVG, which browsers take from this address too)."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
def dashboard(request):
    """Send each role to the page that opens on what needs it now."""
    user = request.user
    targets = {
        "enterprise": "enterprise-dashboard",
        "provider": "provider-dashboard",
        "official": "official-dashboard",
        "operator": "operator-dashboard",
        "expert": "expert-assignments",
        "manager": "manager-dashboard",
    }
    target = targets.get(user.role)
    if target:
        return redirect(target)
    return render(request, "regions/dashboard.html", {})


# What a voucher or certificate serial is written with (regions/codes.py), with room to spare.
SERIAL_CHARACTERS = re.compile(r"[A-Za-z0-9-]{1,64}")


def _too_many_checks(request, serial: str):
    """The 429 page when the client has checked THROTTLE_VERIFY serials in its window, else None.

    Serials are sequential with a check digit: unthrottled, anyone could walk through them
    and list every voucher and certificate there is (and whose it is, masked or not)."""
    wait = page_throttle_wait(request, SerialCheckThrottle)
    if wait is None:
        return None
    context = {"serial": serial, "throttled": True, "retry_after": wait}
    return render_throttled(request, "regions/verify.html", context, wait=wait)


@require_GET
def verify_lookup(request):
    """The form's answer. A serial it can send on is checked, and counted, by `verify`: one
    check costs the client one request of its allowance, not two."""
    serial = typed_serial(request.GET.get("serial") or "")
    if SERIAL_CHARACTERS.fullmatch(serial):
        return redirect("verify", serial=serial)
    if serial:
        if refusal := _too_many_checks(request, serial):
            return refusal
        # A "/" or other stray characters cannot be put in the /verify/<serial>/ address,
        # and no serial holds them: answer not found here.
        context = {"serial": serial, "voucher": None, "certificate": None, "found": False}
        return render(request, "regions/verify.html", context, status=404)
    return render(request, "regions/verify.html", {"serial": "", "found": None})


@require_GET
def verify(request, serial):
    """Public check of a voucher or provider certificate serial. A forged serial is 'not found'."""
    serial = typed_serial(serial).upper()
    if refusal := _too_many_checks(request, serial):
        return refusal
    voucher = sources.voucher_by_serial(serial)
    certificate = sources.certificate_by_serial(serial) if voucher is None else None
    found = voucher is not None or certificate is not None
    holder_in_full = voucher is not None and can_read_voucher_holder(request.user, voucher)
    return render(
        request,
        "regions/verify.html",
        {
            "serial": serial,
            "voucher": voucher,
            "holder_in_full": holder_in_full,
            "holder": (
                voucher.enterprise.display_name
                if holder_in_full
                else masked_holder(voucher.enterprise.display_name)
            )
            if voucher is not None
            else "",
            "certificate": certificate,
            "found": found,
            "mistyped": not found and serial_check_digit_is_wrong(serial),
        },
        status=200 if found else 404,
    )


@login_required
def official_dashboard(request):
    """What needs the district official now, the district's budget and its flows."""
    if not request.user.is_official:
        raise PermissionDenied
    region = request.user.region
    data = dashboards.official_dashboard(region=region, official=request.user)
    months = [month_label(m) for m in dashboards.MONTHS]
    data["monthly_chart"] = bar_chart(
        title=_("Vouchers issued and redeemed per month, %(year)s") % {"year": data["year"]},
        labels=months,
        series=[(_("Issued"), data["monthly_issued"]), (_("Redeemed"), data["monthly_redeemed"])],
    )
    data["monthly_rows"] = list(
        zip(months, data["monthly_issued"], data["monthly_redeemed"], strict=True)
    )
    data["brokered_deals"] = brokered_deals(region_id=region.pk)
    return render(request, "regions/official_dashboard.html", {"region": region, **data})


@login_required
def operator_dashboard(request):
    """The four districts side by side, the flow matrix and the settlement batches."""
    if not request.user.is_operator:
        raise PermissionDenied
    data = dashboards.operator_dashboard()
    codes = [r.code for r in data["regions"]]
    names = [r.display_name for r in data["regions"]]
    data["flow_chart"] = flow_matrix(
        title=_(
            "Approved cross-region redemptions so far, settled or not: the voucher's district "
            "(row) to the provider's district (column)"
        ),
        codes=codes,
        names=names,
        amounts=data["flows"],
    )
    # Each cell with its column's district: on a phone a row is a card labelled by them.
    data["flow_table"] = [
        {
            "region": r,
            "cells": [
                (c, data["flows"].get((r.code, c.code)) if r.pk != c.pk else None)
                for c in data["regions"]
            ],
        }
        for r in data["regions"]
    ]
    data["brokered_deals"] = brokered_deals()
    return render(request, "regions/operator_dashboard.html", data)
