"""The admin names its tables in the programme's words and in the reader's language: the
operator often reads it in Chinese, where Django's own names ("Settlement batchs"-style,
made from the class name) stay English whatever the page language."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils.functional import Promise

pytestmark = pytest.mark.django_db

OUR_APPS = ("regions", "vouchers", "providers", "portal")


def admin_index(client, demo, language):
    client.force_login(demo["users"]["operator"])
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_it_names_every_admin_table_for_translation(client, demo):
    page = admin_index(client, demo, "en")
    assert "Settlement batches" in page
    assert "Redemption claims" in page
    assert "Risk flags" in page
    assert ">Districts<" in page

    # Django's default plural is a lazy object too (the class name plus "s"): only a name
    # set in Meta is in `original_attrs`.
    for model in admin.site._registry:
        options = model._meta
        assert "verbose_name" in options.original_attrs, model
        assert "verbose_name_plural" in options.original_attrs, model
        assert isinstance(options.verbose_name, Promise), model
        assert isinstance(options.verbose_name_plural, Promise), model


def test_every_model_of_the_portals_apps_has_translatable_names():
    for label in OUR_APPS:
        config = apps.get_app_config(label)
        assert isinstance(config.verbose_name, Promise), label
        for model in config.get_models():
            assert isinstance(model._meta.original_attrs.get("verbose_name"), Promise), model
            plural = model._meta.original_attrs.get("verbose_name_plural")
            assert isinstance(plural, Promise), model


def test_it_shows_the_table_names_in_chinese(client, demo):
    page = admin_index(client, demo, "zh-hans")
    for name in ("结算批次", "兑付申请", "风险标记", "服务订单", "审计记录", "会计分录"):
        assert name in page, name
    for english in ("Settlement batches", "Redemption claims", "Risk flags", "Service orders"):
        assert english not in page, english


def test_the_lock_out_tables_and_the_title_are_in_chinese_too(client, demo):
    """django-axes ships no Chinese, and the title named Django, not the programme."""
    page = admin_index(client, demo, "zh-hans")
    for name in ("创新券服务平台：管理后台", "登录锁定", "登录失败记录", "登录日志"):
        assert name in page, name
    for english in ("Django", "Access attempts", "Access logs", "Axes"):
        assert english not in page, english

    attempts = client.get("/admin/axes/accessattempt/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert attempts.status_code == 200
    assert "尝试时间" in attempts.content.decode()
    assert "Attempt Time" not in attempts.content.decode()


def test_the_admin_is_named_after_the_programme_in_english(client, demo):
    page = admin_index(client, demo, "en")
    assert "Innovation Voucher Portal: administration" in page
    assert "Login lock-out" in page
    assert "Django administration" not in page
