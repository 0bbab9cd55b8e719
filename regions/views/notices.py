"""Notices and calls for applications: the public list and page, publishing, withdrawing."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_POST

from portal.edits import EditedFrom, fingerprint
from portal.errors import ApplicationError
from portal.submissions import submitted_once
from portal.views import page_of, query_without_page, run_service_with_status
from portal.widgets import Textarea
from regions.models import Notice, Region, reads_chinese
from regions.notices import (
    NOTICE_EDITABLE_FIELDS,
    call_warning_for,
    can_publish_notices,
    can_withdraw_notice,
    is_notices_keeper,
    notice_edit,
    notice_edits,
    notice_publish,
    notice_withdraw,
)
from regions.selectors import (
    districts_without_calls,
    notices_published,
    notices_withdrawn_kept_by,
    region_list,
)
from regions.services import audit_trail_for


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Notice.Kind.choices)
    region = forms.ModelChoiceField(
        label=gettext_lazy("District"),
        queryset=Region.objects.order_by("id"),
        required=False,
        empty_label=gettext_lazy("The whole programme"),
    )
    # English, Chinese or both: the service asks for one of the two.
    title = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200, required=False)
    title_zh = forms.CharField(
        label=gettext_lazy("Title (Chinese)"), max_length=200, required=False
    )
    body = forms.CharField(label=gettext_lazy("Text (English)"), widget=Textarea, required=False)
    body_zh = forms.CharField(label=gettext_lazy("Text (Chinese)"), widget=Textarea, required=False)
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Applications open (calls only)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Applications close (calls only)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, user=None, editing=None, **kwargs):
        """`editing`: the notice being corrected, if any."""
        super().__init__(*args, **kwargs)
        if reads_chinese():
            # A Chinese reader writes the Chinese title and text first (the English ones came
            # first whatever the page's language).
            self.order_fields(["kind", "region", "title_zh", "title", "body_zh", "body"])
        if editing is not None:
            # A notice keeps its kind and district; another district needs a new notice.
            del self.fields["kind"]
            del self.fields["region"]
            # Two officials correcting one notice: the later save undid the earlier.
            self.fields["edited_from"] = EditedFrom(
                initial=fingerprint(editing, NOTICE_EDITABLE_FIELDS)
            )
        elif user is not None and user.is_official:
            # Officials publish for their own district; the service enforces it too.
            del self.fields["region"]
        if editing is None and user is not None and can_publish_notices(user):
            # Said where the dates are typed: the districts a call opening later would close
            # at once (after saving, the page says it for the call published).
            without = districts_without_calls(
                region_id=user.region_id if user.is_official else None
            )
            if without:
                self.fields["opens_at"].help_text = _(
                    "Taking applications all year now, with no call: %(districts)s. A call "
                    "that opens later than now closes its district's applications from when it "
                    "is published until it opens."
                ) % {
                    "districts": pgettext("list separator", ", ").join(
                        region.display_name for region in without
                    )
                }


@require_GET
def notice_list(request):
    region = request.GET.get("region") or None
    kind = request.GET.get("kind") or None
    # A district or kind that is none of the list's lists nothing and says so (400): an
    # unknown district showed the programme-wide notices alone, an unknown kind every kind.
    filter_errors = []
    if region is not None and region not in {r.code for r in region_list()}:
        filter_errors.append(_("No district has the code “%(code)s”.") % {"code": region[:40]})
    if kind not in (None, *Notice.Kind.values):
        filter_errors.append(_("No notice is of a kind called “%(kind)s”.") % {"kind": kind[:40]})
    notices = notices_published(region_code=region, kind=kind)
    if filter_errors:
        notices = notices.none()
    return render(
        request,
        "regions/notices.html",
        {
            "page": page_of(request, notices),
            "regions": region_list(),
            "kinds": Notice.Kind.choices,
            "region_code": region or "",
            "kind": kind or "",
            "may_publish": can_publish_notices(request.user),
            "withdrawn": notices_withdrawn_kept_by(request.user)[:WITHDRAWN_SHOWN]
            if can_publish_notices(request.user)
            else [],
            "query": query_without_page(request),
            "filter_errors": filter_errors,
        },
        status=400 if filter_errors else 200,
    )


WITHDRAWN_SHOWN = 20


@require_GET
def notice_detail(request, pk):
    notice = get_object_or_404(Notice.objects.select_related("region", "published_by"), pk=pk)
    if notice.withdrawn_at is not None and not is_notices_keeper(request.user, notice):
        raise Http404
    return render(request, "regions/notice_detail.html", _notice_context(request, notice))


def _notice_context(request, notice) -> dict:
    """The notice, and for those who keep it (its district's officials, the operator) its
    history: published, edited, withdrawn, by whom and why."""
    keeper = is_notices_keeper(request.user, notice)
    entries = list(audit_trail_for(notice)) if keeper else None
    return {
        "notice": notice,
        "may_withdraw": can_withdraw_notice(request.user, notice),
        "keeper": keeper,
        "audit_entries": entries,
        # What each edit changed, read from the same entries: the history says "updated".
        "notice_edits": notice_edits(entries) if keeper else [],
    }


@login_required
@require_POST
def notice_withdraw_view(request, pk):
    notice = get_object_or_404(notices_published(), pk=pk)
    try:
        notice_withdraw(actor=request.user, notice=notice, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
        return render(
            request,
            "regions/notice_detail.html",
            _notice_context(request, notice),
            status=error.status,
        )
    messages.success(request, _("The notice is withdrawn."))
    return redirect("notice-list")


@login_required
@submitted_once
def notice_new(request):
    if not can_publish_notices(request.user):
        raise PermissionDenied
    form = NoticeForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = dict(form.cleaned_data)
            values.setdefault("region", None)
            warning = call_warning_for(
                request.user,
                kind=values["kind"],
                region=values["region"],
                opens_at=values["opens_at"],
                closes_at=values["closes_at"],
            )
            notice, status = run_service_with_status(
                request,
                notice_publish,
                form=form,
                success=_("The notice is published."),
                actor=request.user,
                **values,
            )
            if status is None:
                if warning:
                    messages.warning(request, warning)
                return redirect("notice-detail", pk=notice.pk)
        else:
            status = 400
    return render(request, "regions/notice_form.html", {"form": form}, status=status)


@login_required
def notice_edit_view(request, pk):
    withdrawn = Notice.objects.filter(pk=pk, withdrawn_at__isnull=False).first()
    if withdrawn is not None and is_notices_keeper(request.user, withdrawn):
        # Its keepers read a withdrawn notice, and its page says why: the edit link of a
        # bookmark or an open tab answered a bare 404 (the API a 409 notice_withdrawn).
        messages.error(request, _("This notice is withdrawn: it can no longer be edited."))
        return redirect("notice-detail", pk=withdrawn.pk)
    notice = get_object_or_404(notices_published(), pk=pk)
    if not can_withdraw_notice(request.user, notice):
        raise PermissionDenied
    initial = {name: getattr(notice, name) for name in NOTICE_EDITABLE_FIELDS}
    form = NoticeForm(request.POST or None, initial=initial, editing=notice)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            warning = call_warning_for(
                request.user,
                kind=notice.kind,
                region=notice.region,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                notice=notice,
            )
            _notice, status = run_service_with_status(
                request,
                notice_edit,
                form=form,
                success=_("The notice is updated."),
                actor=request.user,
                notice=notice,
                **form.cleaned_data,
            )
            if status is None:
                if warning:
                    messages.warning(request, warning)
                return redirect("notice-detail", pk=notice.pk)
        else:
            status = 400
    return render(
        request,
        "regions/notice_form.html",
        {"form": form, "notice": notice},
        status=status,
    )
