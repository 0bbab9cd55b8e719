# Who acted on an application or a redemption is not indexed (`who_acted` in vouchers/models).
# Only the indexes are dropped: Django's AlterField would also drop and re-add each foreign
# key, which re-checks every row of the table under a lock.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("vouchers_redemption", "claimed_by_id", "vouchers_redemption_claimed_by_id_e1771198"),
    ("vouchers_redemption", "decided_by_id", "vouchers_redemption_decided_by_id_6fbfe2fa"),
    (
        "vouchers_redemption",
        "first_approved_by_id",
        "vouchers_redemption_first_approved_by_id_4f2322e5",
    ),
    (
        "vouchers_voucherapplication",
        "decided_by_id",
        "vouchers_voucherapplication_decided_by_id_e38f8155",
    ),
    (
        "vouchers_voucherapplication",
        "first_approved_by_id",
        "vouchers_voucherapplication_first_approved_by_id_608abacf",
    ),
]


def user_field():
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0007_claim_notice"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name=model, name=name, field=user_field())
                for model, name in [
                    ("redemption", "claimed_by"),
                    ("redemption", "decided_by"),
                    ("redemption", "first_approved_by"),
                    ("voucherapplication", "decided_by"),
                    ("voucherapplication", "first_approved_by"),
                ]
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in INDEXES
            ],
        ),
    ]
