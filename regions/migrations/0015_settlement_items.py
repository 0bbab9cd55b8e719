"""Settlement items: the narrow table a batch's claim writes instead of stamping each wide
redemption row; existing batches' redemptions are copied over before vouchers 0002 drops the
redemption's settlement_batch column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0014_rating_action'),
        ('vouchers', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='SettlementItem',
            fields=[
                ('redemption', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='settlement_item', serialize=False, to='vouchers.redemption')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14)),
                ('batch', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='items', to='regions.settlementbatch')),
                ('issuing_region', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='regions.region')),
                ('provider_region', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='regions.region')),
            ],
            options={
                'indexes': [models.Index(fields=['batch', 'issuing_region', 'provider_region'], include=('amount',), name='settlement_item_batch_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='settlement_item_amount_positive'), models.CheckConstraint(condition=models.Q(('issuing_region', models.F('provider_region')), _negated=True), name='settlement_item_cross_region')],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO regions_settlementitem"
            " (redemption_id, batch_id, issuing_region_id, provider_region_id, amount)"
            " SELECT id, settlement_batch_id, issuing_region_id, provider_region_id, amount"
            " FROM vouchers_redemption WHERE settlement_batch_id IS NOT NULL",
            migrations.RunSQL.noop,
        ),
    ]
