"""Public notice of providers: the public list and page of each notice, the objection form for
anyone signed in, and the answer form of the provider's district official."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.submissions import submitted_once
from portal.views import page_of, query_without_page, run_service_with_status
from portal.widgets import Textarea
from providers import permissions, selectors, services
from providers.models import ProviderNotice, ProviderObjection
from regions.selectors import region_list


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Your objection and its reason"),
        widget=Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer"), widget=Textarea(attrs={"rows": 3}), max_length=4000
    )


@require_GET
def notice_list(request):
    status = request.GET.get("status") or ""
    region = request.GET.get("region") or ""
    # As every list says a filter it cannot read (an unknown state showed every notice, an
    # unknown district none, unsaid).
    filter_errors = []
    if status and status not in ProviderNotice.Status.values:
        filter_errors.append(
            _("No public notice is ever in a state called “%(status)s”.") % {"status": status[:40]}
        )
    if region and region not in {r.code for r in region_list()}:
        filter_errors.append(_("No district has the code “%(code)s”.") % {"code": region[:40]})
    notices = selectors.provider_notices(status=status, region=region)
    return render(
        request,
        "providers/notices.html",
        {
            "page": page_of(request, notices.none() if filter_errors else notices),
            "filter_errors": filter_errors,
            "statuses": ProviderNotice.Status.choices,
            "status": status if status in ProviderNotice.Status.values else "",
            "regions": region_list(),
            "region_code": region,
            "query": query_without_page(request),
        },
        status=400 if filter_errors else 200,
    )


def _render_notice(request, notice, *, objection_form=None, answer_forms=None, status=200):
    user = request.user
    may_answer = permissions.is_district_official(user, notice.provider.region_id)
    own = permissions.is_provider_member(user, notice.provider)
    may_object = (
        user.is_authenticated
        and not own
        and notice.status == ProviderNotice.Status.OPEN
        and not notice.has_ended
    )
    # One unanswered objection per person at a time (the service's rule): the form waits too.
    objection_waiting = (
        may_object and notice.objections.filter(raised_by=user, answered_at__isnull=True).exists()
    )
    return render(
        request,
        "providers/notice_detail.html",
        {
            "notice": notice,
            # Each objection with the answer form the official sees under an open one, and
            # whether the reader may read its words.
            "objections": [
                (
                    objection,
                    (answer_forms or {}).get(objection.pk)
                    or AnswerForm(auto_id=f"id_answer_{objection.pk}_%s"),
                    permissions.can_read_objection(user, objection, notice.provider.region_id),
                )
                for objection in selectors.provider_notice_objections(notice)
            ],
            "may_object": may_object and not objection_waiting,
            "objection_waiting": objection_waiting,
            "own_provider": own,
            "may_answer": may_answer,
            "objection_form": objection_form or ObjectionForm(),
        },
        status=status,
    )


@require_GET
def notice_detail(request, pk):
    notice = get_object_or_404(selectors.provider_notices(), pk=pk)
    return _render_notice(request, notice)


@login_required
@require_POST
@submitted_once
def objection_new(request, pk):
    notice = get_object_or_404(selectors.provider_notices(), pk=pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        return _render_notice(request, notice, objection_form=form, status=400)
    _result, status = run_service_with_status(
        request,
        services.objection_raise,
        form=form,
        success=_("Your objection is recorded; the district's official will answer it."),
        notice_id=notice.pk,
        actor=request.user,
        reason=form.cleaned_data["reason"],
    )
    if status is not None:
        return _render_notice(request, notice, objection_form=form, status=status)
    return redirect("provider-notice-detail", pk=notice.pk)


@login_required
@require_POST
def objection_answer(request, pk, objection_id):
    notice = get_object_or_404(selectors.provider_notices(), pk=pk)
    objection = get_object_or_404(ProviderObjection, pk=objection_id, notice=notice)
    form = AnswerForm(request.POST, auto_id=f"id_answer_{objection.pk}_%s")
    if not form.is_valid():
        return _render_notice(request, notice, answer_forms={objection.pk: form}, status=400)
    _result, status = run_service_with_status(
        request,
        services.objection_answer,
        form=form,
        success=_("Your answer is recorded."),
        objection_id=objection.pk,
        actor=request.user,
        answer=form.cleaned_data["answer"],
    )
    if status is not None:
        return _render_notice(request, notice, answer_forms={objection.pk: form}, status=status)
    return redirect("provider-notice-detail", pk=notice.pk)
