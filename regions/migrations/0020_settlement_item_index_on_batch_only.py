"""The settlement items' batch index keyed by the batch alone (deduplicated), instead of
(batch, districts) INCLUDE amount: it halves what the claim pays per item (SettlementItem)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0019_rules_versions_and_reminders'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='settlementitem',
            index=models.Index(fields=['batch'], name='settlement_item_batch_only_idx'),
        ),
        migrations.RemoveIndex(
            model_name='settlementitem',
            name='settlement_item_batch_idx',
        ),
    ]
