"""Pages of the second factor: set up an authenticator app, verify a code, recovery codes."""

from base64 import b32encode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login

from portal import two_factor
from portal.views import form_status


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, strip=True)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


def _signed_in_with(request, device) -> None:
    otp_login(request, device)
    request.session[two_factor.SESSION_KEY] = two_factor.VERIFY


@login_required
def setup(request):
    """Show the key of a new authenticator device; a correct code confirms it."""
    user = request.user
    if two_factor.has_second_factor(user) and not user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?next={reverse('two-factor-setup')}")
    device = two_factor.totp_device_for_setup(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["code"]
        )
        if codes is not None:
            _signed_in_with(request, device)
            return render(
                request,
                "security/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "just_set_up": True},
            )
        form.add_error("code", _("That code is not right. Check the time on your phone."))
    uri = device.config_url
    context = {
        "form": form,
        "qr_svg": two_factor.otpauth_qr_svg(uri),
        "otpauth_uri": uri,
        "secret": b32encode(device.bin_key).decode(),
        "next": _next_url(request),
        "required": two_factor.second_factor_required(user),
    }
    return render(request, "security/two_factor_setup.html", context, status=form_status(form))


@login_required
def verify(request):
    """Ask for the code of the authenticator app, or a recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.second_factor_check(user=request.user, token=form.cleaned_data["code"])
        if device is not None:
            _signed_in_with(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right, or was already used."))
    return render(
        request,
        "security/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=form_status(form),
    )


@login_required
def recovery_codes(request):
    """How many recovery codes are left; a POST replaces them and shows the new ones once."""
    user = request.user
    if not two_factor.has_second_factor(user):
        return redirect("two-factor-setup")
    if not user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?next={request.path}")
    if request.method == "POST":
        codes = two_factor.recovery_codes_regenerate(user=user)
        return render(
            request, "security/recovery_codes.html", {"codes": codes, "next": reverse("dashboard")}
        )
    return render(
        request,
        "security/recovery_codes.html",
        {"codes": None, "left": two_factor.recovery_codes_left(user)},
    )
