"""Redemption.payment_reference_key: the payment reference as the reuse warning compares it
(NFKC, case-folded, without whitespace), with its index, filled for the claims paid before.

The key is computed here by a copy of `Redemption.reference_key` as it was when this was
written: a migration must give the same rows whatever the model's code later becomes."""

import unicodedata

from django.db import migrations, models

KEY_LENGTH = 200
CHUNK = 2000


def reference_key(reference):
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", reference).casefold())
    return "".join(character for character in folded if not character.isspace())[:KEY_LENGTH]


def fill_keys(apps, schema_editor):
    """In chunks by id, each read whole before it is written (no open cursor on the table
    while it changes)."""
    Redemption = apps.get_model("vouchers", "Redemption")
    last = 0
    while True:
        chunk = list(
            Redemption.objects.filter(pk__gt=last)
            .exclude(payment_reference="")
            .order_by("pk")
            .values_list("pk", "payment_reference")[:CHUNK]
        )
        if not chunk:
            return
        Redemption.objects.bulk_update(
            [Redemption(pk=pk, payment_reference_key=reference_key(ref)) for pk, ref in chunk],
            ["payment_reference_key"],
            batch_size=500,
        )
        last = chunk[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0010_enterprise_closing"),
    ]

    operations = [
        migrations.AddField(
            model_name="redemption",
            name="payment_reference_key",
            field=models.CharField(
                blank=True, db_default="", default="", editable=False, max_length=200
            ),
        ),
        migrations.AddIndex(
            model_name="redemption",
            index=models.Index(
                condition=models.Q(("status", "paid")),
                fields=["provider_region", "payment_reference_key"],
                name="redemption_reference_key_idx",
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
    ]
