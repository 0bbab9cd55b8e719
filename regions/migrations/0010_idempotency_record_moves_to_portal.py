"""IdempotencyRecord moves to portal (portal 0002): the table stays, only Django's state moves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0009_batch_progressed_at"),
        ("portal", "0002_idempotency_record_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
        ),
    ]
