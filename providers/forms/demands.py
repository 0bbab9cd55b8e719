"""Forms of the demand pages: publishing and searching technology demands, a provider's
proposal and the enterprise's acceptance of one. They parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.edits import EditedFrom, fingerprint
from portal.forms import MultipleFileField
from portal.money import MoneyFormField
from portal.widgets import Textarea
from providers.models import Demand, Proposal, Provider, ServiceCategory
from regions.models import Region


class DemandForm(forms.Form):
    """Publish or edit a technology demand (the service checks the budget range and deadline)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("The technical problem"),
        widget=Textarea(attrs={"rows": 6}),
        max_length=Demand.DESCRIPTION_MAX_LENGTH,
    )
    category = forms.ModelChoiceField(
        label=_("Service category"), queryset=ServiceCategory.objects.all()
    )
    budget_min = MoneyFormField(label=_("Lowest budget (CNY)"), allow_zero=True)
    budget_max = MoneyFormField(label=_("Highest budget (CNY)"))
    deadline = forms.DateField(
        label=_("Deadline for proposals"), widget=forms.DateInput(attrs={"type": "date"})
    )
    visibility = forms.ChoiceField(
        label=_("Who may see it"),
        choices=[
            ("public", _("Every provider (public)")),
            ("invited", _("Only the providers I invite")),
        ],
    )
    invited_providers = forms.ModelMultipleChoiceField(
        label=_("Invited providers"),
        queryset=Provider.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Needed when only invited providers may see the demand."),
    )

    # On the edit page, the values it was opened with (portal/edits.py).
    edited_from = EditedFrom()

    def __init__(self, *args, editing=None, **kwargs):
        """`editing`: the demand being changed, if any."""
        super().__init__(*args, **kwargs)
        self.fields["invited_providers"].queryset = Provider.objects.filter(
            status=Provider.Status.CERTIFIED
        ).order_by("name")
        if editing is not None:
            self.fields["edited_from"].initial = fingerprint(editing, Demand.EDITABLE_FIELDS)

    def clean(self):
        """The service's checks across fields, all at once beside the fields' own errors."""
        from providers.services.demands import (
            budget_range_problem,
            deadline_problem,
            invited_problem,
        )

        data = super().clean()
        problems = []
        if data.get("budget_min") is not None and data.get("budget_max") is not None:
            problems.append(
                ("budget_min", budget_range_problem(data["budget_min"], data["budget_max"]))
            )
        if data.get("deadline") is not None:
            problems.append(("deadline", deadline_problem(data["deadline"])))
        if "visibility" in data and "invited_providers" in data:
            invited = list(data["invited_providers"])
            problems.append(("invited_providers", invited_problem(data["visibility"], invited)))
        for field, problem in problems:
            if problem is not None:
                self.add_error(field, forms.ValidationError(problem[0], code=problem[1]))
        return data


class DemandSearchForm(forms.Form):
    # No max_length: a long query is read as every list reads one, its first words
    # (providers/search.py, which caps what is searched); the page says which were left out.
    # A limit here refused it with a 400.
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ChoiceField(label=_("Service category"), required=False)
    region = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, c.display_name) for c in ServiceCategory.objects.all()
        ]
        self.fields["region"].choices = [("", _("All districts"))] + [
            (r.code, r.display_name) for r in Region.objects.all()
        ]


class ProposalForm(forms.Form):
    approach = forms.CharField(
        label=_("Your approach"),
        widget=Textarea(attrs={"rows": 6}),
        max_length=Proposal.APPROACH_MAX_LENGTH,
    )
    price = MoneyFormField(label=_("Price (CNY)"))
    duration_days = forms.IntegerField(label=_("Duration (days)"), min_value=1, max_value=3650)
    expert = forms.ModelChoiceField(label=_("Leading expert"), queryset=None, required=False)
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, image, Word or Excel files; their content is checked."),
    )

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        return files if isinstance(files, list) else [files]


class ProposalAcceptForm(forms.Form):
    voucher = forms.ModelChoiceField(
        label=_("Voucher to use"),
        queryset=None,
        to_field_name="serial",
        required=False,
        help_text=_("Leave empty to use your active voucher that can pay this provider."),
    )

    def __init__(self, *args, vouchers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voucher"].queryset = vouchers
