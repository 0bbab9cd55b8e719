# The matching digest record; it also joins the two 0005 branches (demands, risk flags).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("providers", "0006_risk_flags"),
    ]

    operations = [
        migrations.CreateModel(
            name='DigestSent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('demands', models.ManyToManyField(blank=True, related_name='+', to='providers.demand')),
                ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='digests', to='providers.provider')),
            ],
            options={
                'ordering': ['-day', 'provider_id'],
                'constraints': [models.UniqueConstraint(fields=('provider', 'day'), name='digest_once_per_provider_day')],
            },
        ),
    ]
