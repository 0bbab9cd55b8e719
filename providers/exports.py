"""The providers directory and certification queue as CSV or Excel files.

The export reads the same query string as its page and applies the same filters through the
same scoped selector; `portal.exports` writes the file.
"""

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.exports import (
    DATE,
    DATETIME,
    INTEGER,
    Column,
    Export,
    export_view,
    local_field,
    refuse_bad_filters,
    refuse_unknown_status,
    require_official,
)
from providers import selectors as provider_selectors
from providers.forms import DirectoryFilterForm
from providers.models import Provider, ProviderCertificate


def _category_names(queryset):
    """provider id -> its category names: one query for the whole export (a join in the row
    query would repeat each provider once per category)."""
    name = local_field("servicecategory__name")
    links = (
        Provider.categories.through.objects.filter(provider_id__in=queryset.values("pk"))
        .order_by("provider_id", "servicecategory_id")
        .values_list("provider_id", name)
    )
    names: dict[int, list[str]] = {}
    for provider_id, category in links.iterator(chunk_size=5000):
        names.setdefault(provider_id, []).append(category)
    return names


def provider_export(request) -> Export:
    queue = request.GET.get("queue", "")
    if queue:
        if queue != "to_certify":
            raise Http404
        require_official(request)
        queryset = provider_selectors.providers_to_certify(request.user)
    else:
        # The directory's filters; one it does not know is refused, not dropped.
        form = DirectoryFilterForm(request.GET or None)
        refuse_bad_filters(form.errors if form.is_bound else [])
        cleaned = form.cleaned_data if form.is_bound else {}
        # What the directory lists, unless a state is asked for.
        status = refuse_unknown_status(request, Provider.Status.values) or Provider.Status.CERTIFIED
        queryset = provider_selectors.filter_providers(
            provider_selectors.providers_visible_to(request.user),
            search=cleaned.get("q", ""),
            region=cleaned.get("region", ""),
            category=cleaned.get("category", ""),
            status=status,
        ).order_by("name", "id")
    latest = ProviderCertificate.objects.filter(provider=OuterRef("pk")).order_by(
        "-issued_at", "-id"
    )
    queryset = queryset.annotate(
        certificate_serial=Subquery(latest.values("serial")[:1]),
        certificate_valid_until=Subquery(latest.values("valid_until")[:1]),
    )
    return Export(
        name="providers-to-certify" if queue else "providers",
        title=gettext_lazy("Providers"),
        queryset=queryset,
        prepare=_category_names,
        columns=[
            Column("#", "id", INTEGER),
            Column(gettext_lazy("Provider"), "name", width=36),
            Column(gettext_lazy("Chinese name"), "name_zh", width=30),
            Column(gettext_lazy("Credit code"), "credit_code", width=22),
            Column(gettext_lazy("District"), local_field("region__name"), width=18),
            Column(gettext_lazy("Type"), "kind", labels=dict(Provider.Kind.choices), width=18),
            Column(
                gettext_lazy("Categories"),
                "id",
                compute=lambda pk, names: ", ".join(names.get(pk, [])),
                width=40,
            ),
            Column(
                gettext_lazy("Status"), "status", labels=dict(Provider.Status.choices), width=12
            ),
            Column(pgettext_lazy("date", "Applied"), "applied_at", DATETIME),
            Column(gettext_lazy("Decided"), "decided_at", DATETIME),
            Column(gettext_lazy("Contact e-mail"), "contact_email"),
            Column(gettext_lazy("Contact phone"), "contact_phone", width=16),
            Column(gettext_lazy("Certificate"), "certificate_serial", width=20),
            Column(gettext_lazy("Valid until"), "certificate_valid_until", DATE),
        ],
    )


# /exports/<kind>.csv|.xlsx for this app's lists (routed in urls.py).
export = export_view(
    {
        "providers": provider_export,
    }
)
