"""A redemption's batch now lives in regions.SettlementItem (copied there by regions 0011):
the column, its index and its check go, and so do the lone indexes on issuing_region_id and
provider_region_id that the (region, status) indexes already lead with."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('providers', '0003_service_categories'),
        ('regions', '0015_settlement_items'),
        ('vouchers', '0002_enterprise_name_zh'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='redemption',
            name='redemption_settled_only_cross_region_approved',
        ),
        migrations.RemoveIndex(
            model_name='redemption',
            name='redemption_unsettled_idx',
        ),
        migrations.RemoveIndex(
            model_name='redemption',
            name='redemption_batch_idx',
        ),
        migrations.RemoveField(
            model_name='redemption',
            name='settlement_batch',
        ),
        migrations.AlterField(
            model_name='redemption',
            name='issuing_region',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AlterField(
            model_name='redemption',
            name='provider_region',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddIndex(
            model_name='redemption',
            index=models.Index(condition=models.Q(('cross_region', True), ('status__in', ['approved', 'paid'])), fields=['id'], include=('decided_at', 'issuing_region', 'provider_region', 'amount'), name='redemption_settleable_idx'),
        ),
    ]
