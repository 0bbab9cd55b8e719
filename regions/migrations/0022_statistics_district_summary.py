"""The open statistics' monthly summary of vouchers issued and redemptions paid per district,
filled from the rows already there; from here on `voucher_issue` and `redemption_mark_paid`
keep it (regions/statistics_summary.py)."""

from datetime import timedelta
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

MICROSECOND = timedelta(microseconds=1)


def backfill(apps, schema_editor):
    Voucher = apps.get_model("vouchers", "Voucher")
    Redemption = apps.get_model("vouchers", "Redemption")
    Summary = apps.get_model("regions", "StatisticsMonthlyDistrict")
    rows = {}

    def row(key):
        return rows.setdefault(key, Summary(year=key[0], month=key[1], region_id=key[2]))

    issue_wait = ExpressionWrapper(
        F("issued_at") - F("application__submitted_at"), output_field=DurationField()
    )
    issued = (
        Voucher.objects.annotate(
            issue_year=ExtractYear("issued_at"), issue_month=ExtractMonth("issued_at")
        )
        .values_list("issue_year", "issue_month", "issuing_region_id")
        .annotate(n=Count("id"), total=Sum("face_value"), waited=Sum(issue_wait))
        .order_by()
    )
    for y, m, region, n, total, waited in issued:
        summary = row((y, m, region))
        summary.vouchers_issued, summary.issued_amount = n, total
        summary.issue_wait_us = waited // MICROSECOND if waited is not None else 0
    pay_wait = ExpressionWrapper(F("paid_at") - F("claimed_at"), output_field=DurationField())
    paid = (
        Redemption.objects.filter(status="paid", paid_at__isnull=False)
        .annotate(year=ExtractYear("paid_at"), month=ExtractMonth("paid_at"))
        .values_list("year", "month", "provider_region_id")
        .annotate(n=Count("id"), waited=Sum(pay_wait))
        .order_by()
    )
    for y, m, region, n, waited in paid:
        summary = row((y, m, region))
        summary.payments = n
        summary.payment_wait_us = waited // MICROSECOND if waited is not None else 0
    Summary.objects.bulk_create(rows.values())


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0021_statistics_enterprise_summary"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatisticsMonthlyDistrict",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveIntegerField()),
                ("month", models.PositiveSmallIntegerField()),
                ("vouchers_issued", models.PositiveBigIntegerField(default=0)),
                (
                    "issued_amount",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=18),
                ),
                ("issue_wait_us", models.BigIntegerField(default=0)),
                ("payments", models.PositiveBigIntegerField(default=0)),
                ("payment_wait_us", models.BigIntegerField(default=0)),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("year", "month", "region"), name="monthly_district_one_per_key"
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
