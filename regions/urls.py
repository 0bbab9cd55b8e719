from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.urls import path, re_path, reverse_lazy
from django.utils.translation import gettext as _

from portal.signin import SignInForm
from portal.throttling import password_reset_refusal
from portal.views import InvalidFormIsBadRequest, render_throttled
from regions import views
from regions.accounts import PasswordResetIncludingInvited, account_link_tokens, api_tokens_end
from regions.views import notices, people, rules, settlement, statistics


class LoginView(InvalidFormIsBadRequest, auth_views.LoginView):
    authentication_form = SignInForm


class SetPasswordView(InvalidFormIsBadRequest, auth_views.PasswordResetConfirmView):
    token_generator = account_link_tokens

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)  # saves the new password
            api_tokens_end(form.user)
        return response


class ChangePasswordView(InvalidFormIsBadRequest, auth_views.PasswordChangeView):
    """A signed-in user changes the password (the old one asked first). Its other sessions
    end (Django's session hash) and so do its API tokens, as after a reset: whoever knew the
    old password is out."""

    template_name = "regions/change_password.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)  # saves it, keeps this session signed in
            api_tokens_end(form.user)
        messages.success(
            self.request,
            _("Your password is changed. Your other sessions and API tokens have ended."),
        )
        return response


class ForgotPasswordView(InvalidFormIsBadRequest, auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        refusal = password_reset_refusal(request)
        if refusal is not None:
            wait, message = refusal
            context = self.get_context_data(form=self.form_class(), throttled=message)
            return render_throttled(request, self.template_name, context, wait=wait)
        return super().post(request, *args, **kwargs)


urlpatterns = [
    path("", views.home, name="home"),
    path("how-to-apply/", views.how_to_apply, name="how-to-apply"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", LoginView.as_view(template_name="regions/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("official/", views.official_dashboard, name="official-dashboard"),
    path("operator/", views.operator_dashboard, name="operator-dashboard"),
    path("people/", people.people_list, name="people-list"),
    path("colleagues/", people.colleagues, name="colleagues"),
    path(
        "colleagues/<int:pk>/deactivate/",
        people.colleague_deactivate,
        name="colleague-deactivate",
    ),
    path("people/invite/", people.people_invite, name="people-invite"),
    re_path(
        r"^people/(?P<pk>\d+)/(?P<action>deactivate|reactivate)/$",
        people.people_account,
        name="people-account",
    ),
    path(
        "account/set-password/<uidb64>/<token>/",
        SetPasswordView.as_view(
            template_name="regions/set_password.html",
            success_url=reverse_lazy("account-password-set"),
        ),
        name="account-set-password",
    ),
    path("account/password/", ChangePasswordView.as_view(), name="account-change-password"),
    path(
        "account/password-set/",
        auth_views.PasswordResetCompleteView.as_view(template_name="regions/password_set.html"),
        name="account-password-set",
    ),
    path(
        "account/forgot-password/",
        ForgotPasswordView.as_view(
            template_name="regions/forgot_password.html",
            # Its save() queues the mail (regions.accounts.password_reset_request).
            form_class=PasswordResetIncludingInvited,
            success_url=reverse_lazy("account-forgot-password-sent"),
        ),
        name="account-forgot-password",
    ),
    path(
        "account/forgot-password/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="regions/forgot_password_sent.html"),
        name="account-forgot-password-sent",
    ),
    path("notices/", notices.notice_list, name="notice-list"),
    path("notices/new/", notices.notice_new, name="notice-new"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/withdraw/", notices.notice_withdraw_view, name="notice-withdraw"),
    path("notices/<int:pk>/edit/", notices.notice_edit_view, name="notice-edit"),
    path("rules/", rules.rules_page, name="rules"),
    path("rules/publish/", rules.rules_publish, name="rules-publish"),
    path("rules/<int:pk>/withdraw/", rules.rules_withdraw, name="rules-withdraw"),
    path("account/notifications/", rules.notification_settings, name="notification-settings"),
    path("statistics/", statistics.statistics_page, name="statistics"),
    re_path(
        r"^statistics/download\.(?P<fmt>csv|json)$",
        statistics.statistics_download,
        name="statistics-download",
    ),
    re_path(
        r"^statistics/quarterly\.(?P<fmt>csv|xlsx)$",
        statistics.statistics_quarterly,
        name="statistics-quarterly",
    ),
    path("verify/", views.verify_lookup, name="verify-lookup"),
    path("verify/<str:serial>/", views.verify, name="verify"),
    path("settlement/", settlement.settlement_home, name="settlement-home"),
    path("settlement/run/", settlement.settlement_run_now, name="settlement-run"),
    path("settlement/<int:pk>/", settlement.settlement_batch, name="settlement-batch"),
    path("settlement/<int:pk>/resume/", settlement.settlement_resume, name="settlement-resume"),
    path(
        "settlement/<int:pk>/progress/",
        settlement.settlement_batch_progress,
        name="settlement-batch-progress",
    ),
    path(
        "settlement/<int:pk>/transfers/<int:transfer_id>/confirm/",
        settlement.settlement_confirm_transfer,
        name="settlement-confirm-transfer",
    ),
    re_path(
        r"^settlement/(?P<pk>\d+)/statements/(?P<code>[A-Za-z_]+)\.(?P<fmt>csv|pdf)$",
        settlement.settlement_statement,
        name="settlement-statement",
    ),
    path("official/statements/", settlement.settlement_statements, name="settlement-statements"),
    path(
        "settlement/reconciliation/",
        settlement.reconciliation_reports,
        name="reconciliation-reports",
    ),
    path(
        "settlement/reconciliation/run/",
        settlement.reconciliation_run_now,
        name="reconciliation-run",
    ),
]
