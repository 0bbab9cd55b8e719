"""The programme rules pages: the public rules (each district's version in force and the
history of versions), the operator's "Publish rules" form, and each user's notification
settings."""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.emails import supported_language
from portal.money import MoneyFormField
from portal.submissions import submitted_once
from portal.views import page_of, query_without_page, run_service_with_status
from providers.models import ServiceCategory
from regions.models import NotificationPreference, ProgrammeRulesVersion, Region
from regions.preferences import notification_preferences_of, notification_preferences_set
from regions.rules import (
    can_publish_rules,
    rules_version_publish,
    rules_version_withdraw,
    rules_version_withdrawal,
)
from regions.rules_values import DAY_FIELDS
from regions.selectors import (
    current_year,
    programme_today,
    region_list,
    rules_values_in_force,
    rules_version_in_force,
    rules_versions,
)


def _days_field(name: str, label) -> forms.IntegerField:
    """A number of days within the rules' own bounds, refused in the service's words: 0 said
    "Ensure this value is greater than or equal to 1", 99,999,999 "from 1 to 3660"."""
    low, high = DAY_FIELDS[name]
    # Lazy: put into words in the reader's language when the error is shown.
    message = lazy(
        lambda: (
            _("Enter a whole number of days from %(low)s to %(high)s.") % {"low": low, "high": high}
        ),
        str,
    )()
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class RulesForm(forms.Form):
    # Chosen above the form, which then holds that district's rules in force: a district
    # changed inside the form published the other district's values under its name.
    region = forms.ModelChoiceField(
        label=gettext_lazy("District"),
        queryset=Region.objects.order_by("id"),
        to_field_name="code",
        widget=forms.HiddenInput,
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=9999)
    effective_from = forms.DateField(
        label=gettext_lazy("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    annual_budget = MoneyFormField(label=gettext_lazy("Annual budget (yuan)"), allow_zero=True)
    max_voucher_per_enterprise = MoneyFormField(label=gettext_lazy("Cap per enterprise (yuan)"))
    # Typed in per cent, as every page shows it: a ratio typed as 0.500 and shown as 50 % had
    # operators typing 50 and reading an error.
    co_funding_percent = forms.DecimalField(
        label=gettext_lazy("Co-funding ratio (%)"),
        max_digits=4,
        decimal_places=1,
        help_text=gettext_lazy(
            "The share of a contract the voucher pays, in per cent: more than 0, at most 100."
        ),
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1", "max": "100"}),
        # Django's own ("Ensure that there are no more than 1 decimal place.") named neither
        # the field nor what to type.
        error_messages={
            code: gettext_lazy(
                "Enter the co-funding ratio in per cent with at most one decimal, like 50 or 12.5."
            )
            for code in ("invalid", "max_digits", "max_decimal_places", "max_whole_digits")
        },
    )
    validity_days = _days_field("validity_days", gettext_lazy("Validity (days)"))
    cross_region = forms.BooleanField(label=gettext_lazy("Cross-region use"), required=False)
    four_eyes_threshold = MoneyFormField(
        label=gettext_lazy("Two officials from (yuan)"),
        required=False,
        help_text=gettext_lazy("Empty: one official decides every amount."),
    )
    requires_own_share = forms.BooleanField(
        label=gettext_lazy("A claim needs contract, invoice and the enterprise's own share"),
        required=False,
    )
    provider_notice_days = _days_field(
        "provider_notice_days", gettext_lazy("Public notice of new providers (days)")
    )
    split_window_days = _days_field(
        "split_window_days", gettext_lazy("Split-contract window (days)")
    )
    service_level_days = _days_field("service_level_days", gettext_lazy("Service level (days)"))
    eligible_categories = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Eligible service categories"),
        queryset=ServiceCategory.objects.order_by("id"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every category."),
    )

    def clean_co_funding_percent(self):
        percent = self.cleaned_data["co_funding_percent"]
        if not (0 < percent <= 100):
            raise forms.ValidationError(
                _("The co-funding ratio must be more than 0% and at most 100%."),
                code="ratio_out_of_range",
            )
        return percent

    def rules_values(self) -> dict:
        """What the form says, in the service's terms: the ratio as a share of 1."""
        values = dict(self.cleaned_data)
        values["co_funding_ratio"] = values.pop("co_funding_percent") / 100
        return values


def percent_of(ratio: Decimal) -> Decimal:
    """0.500 -> 50, 0.125 -> 12.5: the ratio as the form's field shows it."""
    percent = (ratio * 100).quantize(Decimal("0.1"))
    return percent.quantize(Decimal("1")) if percent == percent.to_integral_value() else percent


def _initial(region: Region, year: int) -> dict:
    """The form's values: the district's rules in force on the first day a version can take
    effect (today, or next year's January 1st). Next year without rules yet starts from this
    year's last version, the one in force when the year ends (`rules_values_in_force`): the
    form showed today's rules, without a version waiting for later this year."""
    effective_from = max(programme_today(), date(year, 1, 1))
    initial = {"region": region.code, "year": year, "effective_from": effective_from}
    current = rules_values_in_force(region_id=region.pk, year=year, on=effective_from)
    for name in RulesForm.base_fields:
        if name in current:
            initial[name] = current[name]
    if "co_funding_ratio" in current:
        initial["co_funding_percent"] = percent_of(current["co_funding_ratio"])
    return initial


@login_required
@submitted_once
def rules_publish(request):
    if not can_publish_rules(request.user):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = RulesForm(request.POST)
        if form.is_valid():
            values = form.rules_values()
            version, status = run_service_with_status(
                request,
                rules_version_publish,
                form=form,
                success=_("The rules are published."),
                actor=request.user,
                **values,
            )
            if status is None:
                return redirect(_rules_url(version.region.code))
        else:
            status = 400
    else:
        asked = request.GET.get("region") or ""
        region = Region.objects.filter(code=asked).first()
        if region is None:
            if asked:
                # An unknown code showed the first district's rules under no word of it, and
                # the operator published over Yangpu's while meaning another.
                messages.error(
                    request,
                    _("There is no district %(code)s: choose one below.") % {"code": asked[:40]},
                )
                status = 400
            region = region_list().first()
        year = _year_asked(request)
        if year is None:
            messages.error(request, _("Rules are published for this year or the next."))
            status = 400
            year = current_year()
        form = RulesForm(initial=_initial(region, year))
    region = form["region"].value()
    return render(
        request,
        "regions/rules_publish.html",
        {
            "form": form,
            "region": Region.objects.filter(code=region).first(),
            "years": _years_published(),
            "year": form["year"].value(),
        },
        status=status,
    )


def _years_published() -> list[int]:
    """The years the operator may publish rules for: this one and the next."""
    return [current_year(), current_year() + 1]


def _year_asked(request) -> int | None:
    """The `?year=` chosen above the form (this year when absent), or None when it is
    not one of `_years_published`."""
    asked = request.GET.get("year") or ""
    if not asked:
        return current_year()
    if asked.isascii() and asked.isdigit() and int(asked) in _years_published():
        return int(asked)
    return None


@login_required
@require_POST
def rules_withdraw(request, pk: int):
    """The operator withdraws a version still waiting for its date, with a reason."""
    if not can_publish_rules(request.user):
        raise PermissionDenied
    version = ProgrammeRulesVersion.objects.select_related("region").filter(pk=pk).first()
    if version is None:
        # Withdrawn meanwhile (in another tab, say): the version is deleted, its withdrawal
        # kept in the audit trail. Back to the rules of its district, saying so, as other
        # stale actions of the portal answer; an id never published stays a 404.
        withdrawal = rules_version_withdrawal(pk)
        if withdrawal is None:
            raise Http404
        messages.error(request, _("This version was withdrawn already."))
        return redirect(_rules_url(withdrawal.data.get("region") or ""))
    _withdrawn, status = run_service_with_status(
        request,
        rules_version_withdraw,
        form=None,
        success=_("The version of %(region)s's rules from %(date)s is withdrawn.")
        % {"region": version.region.display_name, "date": version.effective_from.isoformat()},
        actor=request.user,
        version_id=version.pk,
        reason=request.POST.get("reason", ""),
    )
    if status is not None:
        if status == 409 and not ProgrammeRulesVersion.objects.filter(pk=version.pk).exists():
            # Withdrawn by another request between the read above and the service's lock:
            # answered as the stale tab above (the service's message is flashed already).
            return redirect(_rules_url(version.region.code))
        # Refused (no reason, in force meanwhile): the page again, with why, and its status.
        return _rules_page(request, region_code=version.region.code, status=status)
    return redirect(_rules_url(version.region.code))


def _rules_url(region_code: str) -> str:
    """The rules page, on the history of one district's versions."""
    url = reverse("rules")
    return f"{url}?{urlencode({'region': region_code})}" if region_code else url


@require_GET
def rules_page(request):
    """Each district's rules in force this year, and every version published, newest first."""
    region_code = request.GET.get("region") or ""
    if region_code and not Region.objects.filter(code=region_code).exists():
        # As every list says a filter it cannot read (it showed every district's history).
        error = _("No district has the code “%(code)s”.") % {"code": region_code[:40]}
        return _rules_page(request, region_code="", status=400, filter_errors=[error])
    return _rules_page(request, region_code=region_code)


def _rules_page(request, *, region_code: str, status: int = 200, filter_errors=()):
    year = current_year()
    districts = [
        {"region": region, "version": rules_version_in_force(region_id=region.pk, year=year)}
        for region in region_list()
    ]
    history = rules_versions(region_code=region_code or None)
    if filter_errors:
        history = history.none()
    return render(
        request,
        "regions/rules.html",
        {
            "year": year,
            "today": programme_today(),
            "districts": districts,
            "page": page_of(request, history),
            "regions": region_list(),
            "region_code": region_code,
            "query": query_without_page(request),
            "may_publish": can_publish_rules(request.user),
            "filter_errors": filter_errors,
        },
        status=status,
    )


@login_required
def notification_settings(request):
    """Which kinds of notification reach the user by e-mail."""
    if request.method == "POST":
        wanted = set(request.POST.getlist("email"))
        notification_preferences_set(
            user=request.user,
            email_on={kind: kind in wanted for kind in NotificationPreference.Kind.values},
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification-settings")
    return render(
        request,
        "regions/notification_settings.html",
        {
            "preferences": notification_preferences_of(request.user),
            "email_language": supported_language(request.user.language),
        },
    )
