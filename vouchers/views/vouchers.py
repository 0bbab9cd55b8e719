"""Pages of issued vouchers: the list, one voucher, its certificate, revocation."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.files import private_file_response
from portal.views import page_of, run_service_with_status
from regions.services import audit_trail_for
from vouchers import permissions, selectors, services
from vouchers.forms import (
    RevokeForm,
)
from vouchers.models import Voucher
from vouchers.views import PAGE_SIZE


@login_required
@require_GET
def voucher_list(request):
    queryset = selectors.vouchers_visible_to(request.user).order_by("-id")
    status = request.GET.get("status", "")
    status_error = ""
    if status in Voucher.Status.values:
        queryset = queryset.filter(status=status)
    elif status:
        # A state typed into the address that no voucher has: nothing, and why (the whole
        # list under it read as filtered).
        queryset = queryset.none()
        status_error = _("No voucher is ever in a state called “%(status)s”.") % {
            "status": status[:40]
        }
    page = page_of(request, queryset, default=PAGE_SIZE)
    return render(
        request,
        "vouchers/voucher_list.html",
        {
            "page": page,
            "vouchers": page.object_list,
            "status": status,
            "status_error": status_error,
            "statuses": Voucher.Status.choices,
        },
        status=400 if status_error else 200,
    )


def _voucher_context(request, voucher, **extra):
    orders, orders_total = selectors.orders_paid_with(request.user, voucher)
    return {
        "voucher": voucher,
        "orders": orders,
        "orders_total": orders_total,
        "terms": selectors.voucher_terms(voucher),
        "audit_entries": audit_trail_for(voucher),
        "can_revoke": permissions.can_revoke_voucher(request.user, voucher)
        and Voucher.Status.REVOKED in Voucher.TRANSITIONS[voucher.status],
        "can_download": permissions.can_download_certificate(request.user, voucher),
        "revoke_form": RevokeForm(),
        **extra,
    }


@login_required
@require_GET
def voucher_detail(request, serial):
    voucher = get_object_or_404(selectors.vouchers_visible_to(request.user), serial=serial)
    return render(request, "vouchers/voucher_detail.html", _voucher_context(request, voucher))


@login_required
@require_GET
def voucher_certificate(request, serial):
    voucher = get_object_or_404(selectors.vouchers_visible_to(request.user), serial=serial)
    if not permissions.can_download_certificate(request.user, voucher):
        raise PermissionDenied
    if not voucher.certificate_pdf:
        # Not run_service: drawing the PDF raises no domain error for a page to show.
        voucher = services.voucher_certificate_generate(voucher_id=voucher.pk)
    return private_file_response(
        voucher.certificate_pdf,
        filename=f"voucher-{voucher.serial}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def voucher_revoke(request, serial):
    voucher = get_object_or_404(selectors.vouchers_visible_to(request.user), serial=serial)
    if not permissions.can_revoke_voucher(request.user, voucher):
        raise PermissionDenied
    form = RevokeForm(request.POST)
    status = 400
    if form.is_valid():
        # A refusal of the voucher's state (revoked meanwhile in another tab) goes at the top
        # of the page, where the revoke form no longer is.
        _result, status = run_service_with_status(
            request,
            services.voucher_revoke,
            form=form,
            voucher=voucher,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            success=_("The voucher was revoked; its unspent balance went back to the budget."),
        )
        if status is None:
            return redirect("voucher-detail", serial=serial)
        voucher.refresh_from_db()
    return render(
        request,
        "vouchers/voucher_detail.html",
        _voucher_context(request, voucher, revoke_form=form),
        status=status,
    )
