"""Forms with which the operator keeps the expert and technology-manager libraries. They parse
input; providers.services.library_keeping decides."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from portal.widgets import Textarea
from providers.models import Expert, Provider, ServiceCategory, TechnologyManager
from providers.services.library_keeping import BIO_MAX
from regions.accounts import validate_username
from regions.models import Region

NAME_LABELS = {
    "name": _("Name"),
    "name_zh": _("Name in Chinese"),
    "organisation": _("Organisation"),
    "contact_email": _("Contact e-mail (not published: messages are passed on to it)"),
}


class ExpertForm(forms.ModelForm):
    class Meta:
        model = Expert
        fields = [
            "name", "name_zh", "field", "titles", "organisation", "region", "categories",
            "provider", "contact_email", "bio",
        ]  # fmt: skip
        labels = NAME_LABELS | {
            "field": _("Field of expertise"),
            "titles": _("Professional titles"),
            "region": _("District"),
            "categories": _("Categories"),
            "provider": _("Provider the expert works with"),
            "bio": _("Profile"),
        }
        # The labels say it; the model's help texts are the admin's English notes.
        help_texts = {"field": "", "titles": ""}
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "bio": Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("id")
        self.fields["categories"].queryset = ServiceCategory.objects.order_by("id")
        self.fields["provider"].queryset = Provider.objects.filter(
            status=Provider.Status.CERTIFIED
        ).order_by("name")
        self.fields["provider"].required = False
        self.fields["bio"].max_length = BIO_MAX
        self.fields["bio"].validators.append(MaxLengthValidator(BIO_MAX))
        self.fields["bio"].widget.attrs["maxlength"] = str(BIO_MAX)


class ManagerForm(forms.ModelForm):
    class Meta:
        model = TechnologyManager
        fields = [
            "name", "name_zh", "certification_level", "organisation", "regions_served",
            "contact_email",
        ]  # fmt: skip
        labels = NAME_LABELS | {
            "certification_level": _("Certification level"),
            "regions_served": _("Districts served"),
        }
        widgets = {"regions_served": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions_served"].queryset = Region.objects.order_by("id")
        self.fields["regions_served"].required = True


class ListingForm(forms.Form):
    """Withdraw a profile from its library (`listed` 0, with the reason) or list it again."""

    listed = forms.TypedChoiceField(
        choices=[("0", "0"), ("1", "1")],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=500,
        required=False,
        widget=Textarea(attrs={"rows": 2}),
    )


class LibraryAccountForm(forms.Form):
    """The account a profile's person signs in with; they choose the password."""

    username = forms.CharField(label=_("Username"), max_length=150, validators=[validate_username])
    email = forms.EmailField(label=_("E-mail the invitation to"))
