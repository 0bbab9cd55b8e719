"""Forms of the provider pages. They parse input; the services decide (and their refusals
come back onto the matching field through portal.views.run_service)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.codes import normalise_credit_code, validate_credit_code
from portal.edits import EditedFrom, fingerprint
from portal.forms import MultipleFileField
from portal.money import MoneyFormField
from portal.templatetags.portal import cny
from portal.widgets import Textarea
from providers.models import (
    OrderDocument,
    Provider,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)
from providers.services.catalogue import (
    INSTRUMENT_HOURS_TOO_MANY,
    LEAD_TIME_TOO_LONG,
    OFFERING_FORM_FIELDS,
)
from regions.accounts import validate_email_unused, validate_username
from regions.models import Region


class AccountForm(forms.Form):
    """The provider user account an anonymous visitor creates while applying."""

    username = forms.CharField(label=_("User name"), max_length=150, validators=[validate_username])
    email = forms.EmailField(label=_("Your e-mail address"), validators=[validate_email_unused])
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 8 characters, not only digits."),
    )
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(render_value=False)
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ProviderApplicationForm(forms.Form):
    name = forms.CharField(label=_("Legal name"), max_length=200)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        # Not 18: people type the code grouped ("913301 410701 44359L", with dashes too),
        # and a maxlength of 18 stops the phone's keyboard before the last group. It is read
        # like the enterprise sign-up's (vouchers.forms.SignupForm): normalised, then checked.
        max_length=64,
        help_text=_("18 characters, as on the business licence."),
    )
    region = forms.ModelChoiceField(
        label=_("District"), queryset=Region.objects.order_by("id"), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Type of provider"), choices=Provider.Kind.choices)
    categories = forms.ModelMultipleChoiceField(
        label=_("Service categories"),
        queryset=ServiceCategory.objects.order_by("id"),
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"),
        widget=Textarea(attrs={"rows": 4}),
        required=False,
        max_length=Provider.DESCRIPTION_MAX_LENGTH,
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    qualifications = MultipleFileField(
        label=_("Qualifications"),
        help_text=_(
            "Business licence, accreditation certificates: PDF, images or office documents."
        ),
    )

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        taken = Provider.objects.filter(credit_code=code).exclude(status=Provider.Status.REJECTED)
        if taken.exists():
            raise ValidationError(_("A provider with this credit code has already applied."))
        return code


# Reasons go into the audit trail and the e-mails to both parties: bounded like every other
# reason of the portal (and the API's `ReasonSerializer`).
REASON_MAX_LENGTH = 2000


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=REASON_MAX_LENGTH,
    )


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("uphold", _("Uphold the dispute: the provider completes the service again")),
            ("cancel", _("Cancel the order")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason, sent to both parties"),
        widget=Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        widget=Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class DeclineForm(DecisionForm):
    reason = forms.CharField(
        label=_("Why do you decline?"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=REASON_MAX_LENGTH,
    )


class DisputeForm(DecisionForm):
    """The reason is asked in the browser too (`required`); the service refuses a blank one
    either way and its message comes back onto this field."""

    reason = forms.CharField(
        label=_("What was not delivered as agreed?"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=REASON_MAX_LENGTH,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs["required"] = True


class CancelForm(DecisionForm):
    reason = forms.CharField(
        label=_("Why do you cancel? (optional)"),
        widget=Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REASON_MAX_LENGTH,
    )


class ProviderCancelForm(CancelForm):
    """A provider walking away from an order it took says why (the service refuses a blank
    reason, and its message comes back onto this field); the enterprise may say nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Why do you cancel? The enterprise is told.")
        self.fields["reason"].widget.attrs["required"] = True


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    region = forms.ChoiceField(label=_("District"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All districts"))] + [
            (r.code, r.display_name) for r in Region.objects.order_by("id")
        ]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, c.display_name) for c in ServiceCategory.objects.order_by("id")
        ]


class ExpertContactForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=Textarea(attrs={"rows": 4}),
        help_text=_("The portal e-mails it to the expert with your name and address."),
    )


class ExpertAssignForm(forms.Form):
    application = forms.ModelChoiceField(
        label=_("Review a voucher application"), queryset=None, required=False
    )
    demand = forms.ModelChoiceField(label=_("Or advise on a demand"), queryset=None, required=False)
    note = forms.CharField(
        label=_("Note for the expert"),
        max_length=2000,
        required=False,
        widget=Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, applications, demands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["application"].label_from_instance = lambda a: (
            _("#%(id)s %(enterprise)s, %(amount)s")
            % {
                "id": a.pk,
                "enterprise": a.enterprise.display_name,
                "amount": cny(a.requested_amount),
            }
        )
        self.fields["demand"].queryset = demands
        self.fields["demand"].label_from_instance = lambda d: d.title

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("application")) == bool(cleaned.get("demand")):
            raise forms.ValidationError(_("Choose one application or one demand."))
        return cleaned


class ExpertCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=2000, widget=Textarea(attrs={"rows": 4})
    )


class ExpertDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline"),
        max_length=2000,
        help_text=_("The official who asked you reads it, and asks another expert."),
        widget=Textarea(attrs={"rows": 3}),
    )


class BrokerRequestForm(forms.Form):
    demand = forms.ModelChoiceField(label=_("Your demand"), queryset=None, empty_label=None)

    def __init__(self, *args, demands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demand"].queryset = demands
        self.fields["demand"].label_from_instance = lambda d: d.title


class InstrumentBookingForm(forms.Form):
    voucher = forms.ModelChoiceField(
        label=_("Voucher to use"), queryset=None, to_field_name="serial", empty_label=None
    )
    day = forms.DateField(label=_("Day"), widget=forms.Select)
    hour = forms.TypedChoiceField(label=pgettext_lazy("booking start", "From"), coerce=int)
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=8, initial=1)

    def __init__(self, *args, vouchers, days, hours, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voucher"].queryset = vouchers
        self.fields["voucher"].widget.choices = [
            (v.serial, f"{v.serial} · ¥{v.balance:,.2f} ({v.issuing_region.display_name})")
            for v in vouchers
            if v.status == "active"
        ]
        self.fields["day"].widget.choices = [(d.isoformat(), d.isoformat()) for d in days]
        self.fields["hour"].choices = [(h, f"{h:02d}:00") for h in hours]


class OfferingForm(forms.ModelForm):
    indicative_price = MoneyFormField(
        label=_("Indicative price (CNY)"), allow_zero=True, required=False
    )
    # The service's limit, said here too so that the phone's keypad gets `max` and an
    # absurd figure the same message on every database (PostgreSQL's integer range
    # otherwise answered 999999999999 with "at most 2147483647").
    lead_time_days = forms.IntegerField(
        label=_("Lead time (days)"),
        required=False,
        min_value=0,
        max_value=ServiceOffering.LEAD_TIME_MAX_DAYS,
        error_messages={"max_value": LEAD_TIME_TOO_LONG},
    )
    instrument_hours = forms.IntegerField(
        label=_("Instrument hours offered a month"),
        required=False,
        min_value=0,
        max_value=ServiceOffering.INSTRUMENT_HOURS_MAX,
        error_messages={"max_value": INSTRUMENT_HOURS_TOO_MANY},
    )
    hourly_rate = MoneyFormField(label=_("Hourly rate of the instrument (CNY)"), required=False)
    # The values the form was opened with (portal/edits.py).
    edited_from = EditedFrom()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edited_from"].initial = fingerprint(self.instance, self.Meta.fields)

    class Meta:
        model = ServiceOffering
        fields = OFFERING_FORM_FIELDS
        labels = {
            "category": _("Category"),
            "title": _("Title"),
            "description": _("Description"),
            "indicative_price": _("Indicative price (CNY)"),
            "lead_time_days": _("Lead time (days)"),
            "is_instrument": _("A shared large instrument"),
            "instrument_hours": _("Instrument hours offered a month"),
            "hourly_rate": _("Hourly rate of the instrument (CNY)"),
        }
        # The labels say it; the model's help texts are the admin's English notes.
        help_texts = {"is_instrument": "", "instrument_hours": ""}
        widgets = {"description": Textarea(attrs={"rows": 4})}


class OrderForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Provider.objects.none(), widget=forms.HiddenInput
    )
    offering = forms.ModelChoiceField(
        label=_("Service"),
        queryset=ServiceOffering.objects.none(),
        required=False,
        # Not Django's "---------": the order may be for work outside the published services.
        empty_label=_("No published service (describe the work below)"),
    )
    voucher = forms.ModelChoiceField(
        label=_("Voucher to use"),
        queryset=None,
        to_field_name="serial",
        empty_label=None,
        help_text=_("One of your active vouchers."),
        # The API's words, the same for an unknown serial and another enterprise's: nothing
        # is told of a voucher that is not the enterprise's.
        error_messages={"invalid_choice": _("You have no voucher with this serial.")},
    )
    title = forms.CharField(label=_("Title"), max_length=255)
    description = forms.CharField(
        label=_("What you need"),
        widget=Textarea(attrs={"rows": 4}),
        required=False,
        max_length=ServiceOrder.TEXT_MAX_LENGTH,
    )
    contract_amount = MoneyFormField(label=_("Contract amount (CNY)"))

    def __init__(self, *args, providers, vouchers, offerings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        # Any voucher of the enterprise validates (the service then says why an inactive
        # one cannot pay); only the active ones are offered in the list.
        self.fields["voucher"].queryset = vouchers
        self.fields["voucher"].widget.choices = [
            (v.serial, f"{v.serial} · ¥{v.balance:,.2f} ({v.issuing_region.display_name})")
            for v in vouchers
            if v.status == "active"
        ]
        self.fields["offering"].queryset = offerings
        # Choosing a service fills the title and amount from it (static/js/portal.js).
        self.fields["offering"].widget.attrs["data-fills-from"] = "offering-details"


class CompletionForm(forms.Form):
    summary = forms.CharField(
        label=_("What was delivered"),
        widget=Textarea(attrs={"rows": 4}),
        max_length=ServiceOrder.TEXT_MAX_LENGTH,
    )
    deliverables = forms.CharField(
        label=_("Deliverables"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=ServiceOrder.TEXT_MAX_LENGTH,
        help_text=_("Reports, samples, data sets handed over."),
    )
    evidence = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _(
            "At least one: PDF, images, office documents or zip; at most %(size)s per file."
        ) % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES)}


class DocumentForm(forms.Form):
    """The order page's upload of the signed contract or the invoice."""

    kind = forms.ChoiceField(label=_("Document"), choices=OrderDocument.Kind.choices)
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    invoice_code = forms.CharField(
        label=_("Invoice code"),
        required=False,
        max_length=64,
        help_text=_(
            "Invoices only: the 10 or 12 digits above the number; empty on a fully digital invoice."
        ),
    )
    invoice_number = forms.CharField(
        label=_("Invoice number"),
        required=False,
        max_length=64,
        help_text=_("Invoices only: 8 digits, or 20 on a fully digital invoice."),
    )

    def __init__(self, *args, invoices: bool = True, **kwargs):
        """`invoices`: the reader may upload an invoice (the order's provider, which issues
        it); the enterprise's form takes the contract only."""
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, images or office documents; at most %(size)s.") % {
            "size": filesizeformat(settings.UPLOAD_MAX_BYTES)
        }
        if not invoices:
            self.fields["kind"].choices = [
                (value, label)
                for value, label in OrderDocument.Kind.choices
                if value == OrderDocument.Kind.CONTRACT
            ]
            del self.fields["invoice_code"], self.fields["invoice_number"]


class OwnShareForm(forms.Form):
    amount = MoneyFormField(label=_("Amount paid (yuan)"))
    payment_reference = forms.CharField(label=_("Payment reference"), max_length=100)
