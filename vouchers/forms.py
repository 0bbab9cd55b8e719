"""Page forms of the voucher story. They parse input; the services decide what is allowed,
and `run_service` puts a refusal next to the field it concerns."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.codes import normalise_credit_code, validate_credit_code
from portal.edits import EditedFrom, fingerprint
from portal.errors import ValidationFailed
from portal.forms import MultipleFileField
from portal.money import MoneyFormField
from portal.widgets import Textarea
from providers.models import ServiceCategory
from regions.accounts import validate_email_unused, validate_username
from regions.models import Region, User
from vouchers.models import Enterprise, RelatedParty, VoucherApplication
from vouchers.services.enterprises import REJECTION_REASON_MAX
from vouchers.services.registration import (
    LOCKED_ONCE_VERIFIED,
    REGISTRATION_FIELDS,
    credit_code_taken_message,
    locked_once_verified_message,
)
from vouchers.services.related_parties import PARTY_DETAIL_LIMITS, clean_phone


class SignupForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150, validators=[validate_username])
    email = forms.EmailField(
        label=_("Your e-mail"), required=False, validators=[validate_email_unused]
    )
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    name_zh = forms.CharField(
        label=_("Chinese name"),
        max_length=200,
        required=False,
        help_text=_("If the enterprise is registered under a Chinese name, as on the licence."),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=64,
        help_text=_("18 characters, as on the business licence."),
    )
    region = forms.ModelChoiceField(
        label=_("District"), queryset=Region.objects.order_by("id"), empty_label=None
    )
    industry = forms.CharField(label=_("Industry"), max_length=100)
    size = forms.ChoiceField(label=_("Size"), choices=Enterprise.Size.choices)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"))

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken."))
        return username

    def clean_contact_phone(self):
        # Checked by the service too; here so that it is named with the form's other mistakes.
        try:
            return clean_phone(self.cleaned_data.get("contact_phone", ""))
        except ValidationFailed as error:
            raise ValidationError(error.message) from None

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        if Enterprise.objects.filter(credit_code=code, closed_at__isnull=True).exists():
            raise ValidationError(
                _(
                    "An enterprise with this unified social credit code is already registered. "
                    "Ask a colleague with an account to add you (Colleagues, on the enterprise's dashboard), "
                    "or contact the district office."
                )
            )
        return code

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not self.has_error("email"):
            # Without an address of its own the account gets the contact's
            # (enterprise_register), which must then be nobody else's either.
            try:
                validate_email_unused(cleaned.get("contact_email", ""))
            except ValidationError as error:
                self.add_error("contact_email", error)
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
                )
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EnterpriseRegistrationForm(forms.Form):
    """The enterprise corrects what it registered: sign-up's fields, labels and checks. Once
    the district verified the enterprise, its identity fields (`LOCKED_ONCE_VERIFIED`) are
    shown disabled; the service refuses a change of them whatever the form says."""

    name = SignupForm.base_fields["name"]
    name_zh = SignupForm.base_fields["name_zh"]
    credit_code = SignupForm.base_fields["credit_code"]
    region = SignupForm.base_fields["region"]
    industry = SignupForm.base_fields["industry"]
    size = SignupForm.base_fields["size"]
    contact_name = SignupForm.base_fields["contact_name"]
    contact_phone = SignupForm.base_fields["contact_phone"]
    contact_email = SignupForm.base_fields["contact_email"]
    # The registration as the page showed it (portal/edits.py): a colleague's save since is
    # not undone.
    edited_from = EditedFrom()

    def clean_contact_phone(self):
        if self.cleaned_data.get("contact_phone", "") == self.enterprise.contact_phone:
            return self.enterprise.contact_phone  # unchanged: not checked again
        return SignupForm.clean_contact_phone(self)

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        initial = {field: getattr(enterprise, field) for field in REGISTRATION_FIELDS}
        initial["edited_from"] = fingerprint(enterprise, REGISTRATION_FIELDS)
        super().__init__(*args, initial=initial, **kwargs)
        self.enterprise = enterprise
        if enterprise.is_verified:
            for field in LOCKED_ONCE_VERIFIED:
                self.fields[field].disabled = True
                self.fields[field].help_text = _("Locked since the district verified it.")

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        if code == self.enterprise.credit_code:
            return code  # unchanged (or locked): not checked again, as in the service
        validate_credit_code(code)
        taken = Enterprise.objects.filter(credit_code=code, closed_at__isnull=True)
        if taken.exclude(pk=self.enterprise.pk).exists():
            raise ValidationError(credit_code_taken_message())
        return code

    def clean(self):
        cleaned = super().clean()
        if self.enterprise.is_verified:
            # A disabled field keeps its value whatever is posted; a value posted all the same
            # comes from a page opened before the verification (or made by hand), and
            # ignoring it would say "saved" of a change that was not made.
            for field in LOCKED_ONCE_VERIFIED:
                if field in self.data and self._posted_differs(field):
                    self.add_error(field, locked_once_verified_message())
        return cleaned

    def _posted_differs(self, field: str) -> bool:
        posted = str(self.data.get(field) or "").strip()
        stored = getattr(self.enterprise, field)
        if field == "credit_code":
            return normalise_credit_code(posted) != stored
        if field == "region":
            return posted != str(self.enterprise.region_id)
        return posted != stored


class ApplicationForm(forms.Form):
    requested_amount = MoneyFormField(label=_("Requested amount (CNY)"))
    purpose = forms.CharField(
        max_length=VoucherApplication.PURPOSE_MAX_LENGTH,
        label=_("Purpose: the technical need"),
        widget=Textarea,
        help_text=_("What do you need solved or tested, and what result do you expect?"),
    )
    service_category = forms.ModelChoiceField(
        label=_("Intended service category"),
        queryset=ServiceCategory.objects.order_by("id"),
        required=False,
        empty_label=_("Not decided yet"),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Optional: PDF, Word, Excel or images (several files allowed)."),
    )


# Notes and reasons go into the audit trail and the e-mails: bounded as in the API.
NOTE_MAX_LENGTH = 2000


class ApproveForm(forms.Form):
    """The official states the amount; pages pre-fill it with the requested amount."""

    approved_amount = MoneyFormField(label=_("Approved amount (CNY)"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        help_text=_("Needed when approving less than requested: the enterprise reads it."),
        widget=Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX_LENGTH,
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Reason for rejection"),
        widget=Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX_LENGTH,
        error_messages={"required": _("Give the reason for the rejection.")},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        widget=Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX_LENGTH,
        error_messages={"required": _("Give the reason for revoking the voucher.")},
    )


class QueueFilterForm(forms.Form):
    ORDERINGS = [
        ("newest", _("Newest first")),
        ("oldest", _("Oldest first")),
        ("amount_desc", _("Largest amount first")),
        ("amount_asc", _("Smallest amount first")),
        ("enterprise", _("Enterprise name")),
    ]

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + list(VoucherApplication.Status.choices),
    )
    submitted_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # As every amount of the forms: "100,000" and "¥100,000.00" as the pages print them.
    amount_min = MoneyFormField(label=_("Amount from"), required=False, allow_zero=True)
    amount_max = MoneyFormField(label=_("Amount up to"), required=False, allow_zero=True)
    industry = forms.CharField(label=_("Industry"), required=False, max_length=100)
    ordering = forms.ChoiceField(label=_("Sort by"), required=False, choices=ORDERINGS)


class PartyDetailsForm(forms.Form):
    """Who the party is, as on its business licence: compared at every order between an
    enterprise and a provider (the related-party check)."""

    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=100, required=False
    )
    registered_address = forms.CharField(
        label=_("Registered address"), max_length=300, required=False
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)

    def __init__(self, *args, party=None, **kwargs):
        """`party`: the enterprise or provider whose details the page edits. Two colleagues
        editing them at once: the later save undid the earlier (portal/edits.py)."""
        super().__init__(*args, **kwargs)
        if party is not None:
            self.fields["edited_from"] = EditedFrom(initial=fingerprint(party, PARTY_DETAIL_LIMITS))


class RelatedPartyForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=None,
        help_text=_("A provider related to the enterprise: its vouchers cannot pay it."),
    )
    relation = forms.ChoiceField(label=_("Relation"), choices=RelatedParty.Relation.choices)

    def __init__(self, *args, enterprise=None, **kwargs):
        from providers.models import Provider

        super().__init__(*args, **kwargs)
        providers = Provider.objects.exclude(status=Provider.Status.REJECTED)
        if enterprise is not None:
            # A provider recorded already (or its credit code) is not offered a second time:
            # choosing it could only be refused.
            recorded = RelatedParty.objects.filter(enterprise=enterprise).values("credit_code")
            providers = providers.exclude(credit_code__in=recorded).exclude(
                credit_code=enterprise.credit_code
            )
        self.fields["provider"].queryset = providers.order_by("name")


class RejectionForm(forms.Form):
    """An official's reason for refusing an enterprise's registration."""

    reason = forms.CharField(
        label=_("Why the registration is refused"),
        max_length=REJECTION_REASON_MAX,
        widget=forms.TextInput,
    )
