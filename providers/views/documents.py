"""The order page's paperwork: uploading the contract and the invoice, the enterprise's own
share (recorded by the enterprise, confirmed by the provider), and downloading a document.
Refusals come back on the order page beside the form, with their status (400/409)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.files import private_file_response
from portal.submissions import submitted_once
from portal.views import run_service_with_status
from providers import permissions
from providers.forms import DocumentForm, OwnShareForm
from providers.services import documents as services
from providers.views.orders import _order_form_action, _render_order, _visible_order


@login_required
@require_POST
@submitted_once
def order_document_upload(request, pk):
    order = _visible_order(request, pk)
    form = DocumentForm(
        request.POST,
        request.FILES,
        prefix="document",
        invoices=permissions.is_order_provider(request.user, order),
    )
    if not form.is_valid():
        return _render_order(request, order, forms={"document": form}, status=400)
    _document, status = run_service_with_status(
        request, services.order_document_upload, form=form,
        success=_("The document is uploaded; its SHA-256 is recorded."), order=order,
        actor=request.user, **form.cleaned_data,
    )  # fmt: skip
    if status is None:
        return redirect("order-detail", pk=order.pk)
    order.refresh_from_db()
    return _render_order(request, order, forms={"document": form}, status=status)


@login_required
@require_POST
def order_own_share(request, pk):
    return _order_form_action(
        request, pk, form_class=OwnShareForm, prefix="own_share",
        service=services.own_share_record,
        success=_("Your own share is recorded; the provider confirms it."),
    )  # fmt: skip


@login_required
@require_POST
def order_own_share_confirm(request, pk):
    order = _visible_order(request, pk)
    _result, status = run_service_with_status(
        request, services.own_share_confirm, form=None,
        success=_("You confirmed the enterprise's own share."), order=order, actor=request.user,
        # The record as the page showed it: a correction since is refused, not confirmed.
        amount=request.POST.get("amount"), payment_reference=request.POST.get("payment_reference"),
    )  # fmt: skip
    if status is None:
        return redirect("order-detail", pk=order.pk)
    order.refresh_from_db()
    return _render_order(request, order, status=status)


@login_required
@require_GET
def order_document(request, pk, document_id):
    order = _visible_order(request, pk)
    if not permissions.can_read_order(request.user, order):
        raise Http404
    document = get_object_or_404(order.documents, pk=document_id)
    return private_file_response(
        document.file, filename=document.original_name, content_type=document.content_type
    )
