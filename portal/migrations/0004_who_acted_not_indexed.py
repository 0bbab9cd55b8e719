# The unique (user, key) index serves every lookup of an idempotency record by user. Only the
# index is dropped (Django's AlterField would also drop and re-add the foreign key).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "regions_idempotencyrecord_user_id_3b5bc60d"


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_outbox_message_request_id"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="idempotencyrecord",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "regions_idempotencyrecord" ("user_id")',
                ),
            ],
        ),
    ]
