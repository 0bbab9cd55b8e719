"""The dashboards' monthly per-pair totals of approved redemptions, filled from the
redemptions already approved; from here on `redemption_approve` keeps it."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth, ExtractYear


def backfill(apps, schema_editor):
    Redemption = apps.get_model("vouchers", "Redemption")
    Flow = apps.get_model("regions", "RedemptionMonthlyFlow")
    rows = (
        Redemption.objects.filter(status__in=["approved", "paid"], decided_at__isnull=False)
        .annotate(year=ExtractYear("decided_at"), month=ExtractMonth("decided_at"))
        .values("year", "month", "issuing_region_id", "provider_region_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    Flow.objects.bulk_create(
        Flow(
            year=row["year"],
            month=row["month"],
            issuing_region_id=row["issuing_region_id"],
            provider_region_id=row["provider_region_id"],
            redemption_count=row["n"],
            amount=row["total"],
        )
        for row in rows
    )


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0005_idempotency_records"),
        ("vouchers", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="RedemptionMonthlyFlow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveIntegerField()),
                ("month", models.PositiveSmallIntegerField()),
                ("redemption_count", models.PositiveBigIntegerField(default=0)),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=18),
                ),
                (
                    "issuing_region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                    ),
                ),
                (
                    "provider_region",
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
                        fields=("year", "month", "issuing_region", "provider_region"),
                        name="monthly_flow_one_per_pair",
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
