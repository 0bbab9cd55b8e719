"""A provider's statement of what it was paid: its paid claims, the latest payment first,
with what they add up to per month, what is approved and still to be paid, and the same
selection as a CSV file for its books."""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal.exports import csv_response, refusal
from portal.views import page_of, query_without_page, unread_filters
from regions.models import Region
from regions.selectors import programme_first_year, programme_today
from vouchers.exports import provider_payments_export
from vouchers.selectors.payments import (
    payment_totals,
    payment_years,
    payments_awaited_by,
    payments_in,
    payments_received_by,
)
from vouchers.views import PAGE_SIZE

ALL_YEARS = "all"


class PaymentsFilterForm(forms.Form):
    """Which payments the statement lists: one programme year (or all) and one paying
    district (or all). The choices are every year of the programme up to the current one,
    which the statement opens on, and every district: a year or a district that paid nothing
    yet is an empty statement, not a mistake (a saved link stays good)."""

    year = forms.ChoiceField(label=gettext_lazy("Year"))
    region = forms.ModelChoiceField(
        label=gettext_lazy("Paying district"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All districts"),
    )

    def __init__(self, data, *, years: list[int], districts):
        super().__init__(data)
        self.fields["year"].choices = [(str(year), str(year)) for year in years] + [
            (ALL_YEARS, gettext_lazy("All years"))
        ]
        self.fields["region"].queryset = districts


@dataclass
class Selection:
    filters: PaymentsFilterForm
    errors: list[str]
    payments: object  # the selected payments (a queryset; none when a filter is unread)
    year: int | None  # None: every year


def _selection(request) -> Selection:
    """The provider's payments the query string selects, read alike by the page and the CSV
    file. A bare URL (or an empty year) is the current year."""
    user = request.user
    if not (user.is_provider and user.provider_id):
        raise PermissionDenied(_("This page is for service providers."))
    received = payments_received_by(user)
    this_year = programme_today().year
    data = request.GET.copy()
    if not data.get("year"):
        data["year"] = str(this_year)
    paid_in = payment_years(received)
    first_year = min([*paid_in, programme_first_year() or this_year, this_year])
    filters = PaymentsFilterForm(
        data,
        years=sorted({*paid_in, *range(first_year, this_year + 1)}, reverse=True),
        districts=Region.objects.order_by("id"),
    )
    errors = unread_filters(filters)
    if errors:
        return Selection(filters, errors, received.none(), None)
    chosen = filters.cleaned_data["year"]
    year = None if chosen == ALL_YEARS else int(chosen)
    payments = payments_in(received, year=year, region=filters.cleaned_data["region"])
    return Selection(filters, errors, payments, year)


@login_required
@require_GET
def provider_payments(request):
    """Payments received: every paid claim of the provider in the selection, with the total
    and count above the list, one total per month of the year (per year for all years), and
    the approved claims still waiting for payment."""
    selection = _selection(request)
    today = programme_today()
    return render(
        request,
        "redemptions/provider_payments.html",
        {
            "filters": selection.filters,
            "filter_errors": selection.errors,
            "year": selection.year,
            "totals": payment_totals(selection.payments, year=selection.year, today=today),
            "awaiting": payments_awaited_by(request.user),
            "page": page_of(request, selection.payments, default=PAGE_SIZE),
            "query": query_without_page(request),
            "programme_zone": settings.TIME_ZONE,
        },
        status=400 if selection.errors else 200,
    )


@login_required
@require_GET
def provider_payments_csv(request):
    """The page's selection as a CSV file, a totals row last; a filter it cannot read is
    refused with the page's words rather than answered with every payment."""
    selection = _selection(request)
    if selection.errors:
        return refusal(" ".join(selection.errors))
    return csv_response(provider_payments_export(selection.payments, year=selection.year))
