"""The public directory of certified providers, a provider's profile, and the files on it
(qualifications, certificate PDFs) that only the provider and its officials may read."""

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from portal.files import private_download, private_file_response
from portal.views import page_of, query_without_page, unread_filters
from providers import permissions, selectors, services
from providers.forms import DecisionForm, DirectoryFilterForm
from providers.models import Provider
from providers.services.certificates import certificate_pdf_content
from regions.services import audit_trail_for


@require_GET
def provider_directory(request):
    form = DirectoryFilterForm(request.GET or None)
    filter_errors = unread_filters(form)
    cleaned = getattr(form, "cleaned_data", {})
    filters = {
        "search": cleaned.get("q", ""),
        "region": cleaned.get("region", ""),
        "category": cleaned.get("category", ""),
    }
    providers = selectors.provider_directory(**filters)
    page = page_of(request, providers.none() if filter_errors else providers)
    records = selectors.track_records([p.pk for p in page.object_list])
    for provider in page.object_list:
        provider.track = records[provider.pk]
    return render(
        request,
        "providers/directory.html",
        {
            "form": form,
            "filter_errors": filter_errors,
            "page": page,
            "query": query_without_page(request),
        },
        status=400 if filter_errors else 200,
    )


def render_provider(request, provider, *, decision_form=None, decision_action="", status=200):
    user = request.user
    may_decide = permissions.can_decide_provider(user, provider)
    may_read_files = permissions.can_read_provider_files(user, provider)
    provider.track = selectors.track_records([provider.pk])[provider.pk]
    context = {
        "provider": provider,
        "certificate": selectors.latest_certificate(provider),
        "may_decide": may_decide,
        "may_read_files": may_read_files,
        "may_read_private": permissions.can_read_private_details(user, provider.pk),
        "may_order": permissions.can_order_from(user, provider),
        "own": permissions.is_provider_member(user, provider),
        "decision_form": decision_form or DecisionForm(),
        "decision_action": decision_action,
        "edges": {edge: edge in Provider.TRANSITIONS[provider.status] for edge in Provider.Status},
        "notice": provider.notices.filter(status="open").first()
        if provider.status == Provider.Status.ON_NOTICE
        else None,
        **selectors.provider_profile(provider=provider, user=user),
    }
    if may_read_files:
        context["audit_entries"] = audit_trail_for(provider)
    return render(request, "providers/detail.html", context, status=status)


@require_GET
def provider_detail(request, pk):
    provider = get_object_or_404(selectors.providers_visible_to(request.user), pk=pk)
    return render_provider(request, provider)


def _provider_for_files(request, pk) -> Provider:
    provider = get_object_or_404(selectors.providers_visible_to(request.user), pk=pk)
    if not permissions.can_read_provider_files(request.user, provider):
        raise Http404
    return provider


@login_required
@require_GET
def provider_qualification(request, pk, qualification_id):
    provider = _provider_for_files(request, pk)
    qualification = get_object_or_404(provider.qualifications, pk=qualification_id)
    return private_file_response(
        qualification.file,
        filename=qualification.original_name,
        content_type=qualification.content_type,
    )


@login_required
@require_GET
def provider_certificate_pdf(request, pk, certificate_id):
    provider = _provider_for_files(request, pk)
    certificate = get_object_or_404(provider.certificates, pk=certificate_id)
    if certificate.status != certificate.Status.VALID:
        # Drawn as it stands, with its status: the stored PDF was drawn while it was valid.
        return private_download(
            io.BytesIO(certificate_pdf_content(certificate)),
            filename=f"{certificate.serial}.pdf",
            content_type="application/pdf",
        )
    if not certificate.pdf:
        # The Celery task has not run yet: drawing it now is the same idempotent service.
        certificate = services.certificate_render_pdf(certificate_id=certificate.pk)
    return private_file_response(
        certificate.pdf, filename=f"{certificate.serial}.pdf", content_type="application/pdf"
    )
