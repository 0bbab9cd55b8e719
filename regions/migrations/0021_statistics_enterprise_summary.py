"""The open statistics' monthly summary of spent redemptions per district, enterprise and
service category, filled from the redemptions already approved; from here on
`redemption_approve` keeps it (regions/statistics_summary.py)."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear


def backfill(apps, schema_editor):
    Redemption = apps.get_model("vouchers", "Redemption")
    Summary = apps.get_model("regions", "RedemptionMonthlyEnterprise")
    rows = (
        Redemption.objects.filter(status__in=["approved", "paid"], decided_at__isnull=False)
        .annotate(
            year=ExtractYear("decided_at"),
            month=ExtractMonth("decided_at"),
            category=Coalesce(
                "service_order__offering__category_id",
                "voucher__application__service_category_id",
                Value(0),
            ),
        )
        .values_list("year", "month", "issuing_region_id", "voucher__enterprise_id", "category")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    Summary.objects.bulk_create(
        (
            Summary(
                year=y,
                month=m,
                issuing_region_id=region,
                enterprise_id=enterprise,
                category=category,
                redemption_count=n,
                amount=total,
            )
            for y, m, region, enterprise, category, n, total in rows.iterator()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0020_settlement_item_index_on_batch_only"),
        ("vouchers", "0006_notice_four_eyes"),
        ("providers", "0011_notice_public_notice"),
    ]

    operations = [
        migrations.CreateModel(
            name="RedemptionMonthlyEnterprise",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveIntegerField()),
                ("month", models.PositiveSmallIntegerField()),
                ("category", models.PositiveIntegerField(default=0)),
                ("redemption_count", models.PositiveBigIntegerField(default=0)),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=18),
                ),
                (
                    "enterprise",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="vouchers.enterprise",
                    ),
                ),
                (
                    "issuing_region",
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
                        fields=("year", "month", "issuing_region", "enterprise", "category"),
                        name="monthly_enterprise_one_per_key",
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
