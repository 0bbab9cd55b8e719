"""The demand search's tokens (providers/search.py): a `search_terms` column filled from the
demands already there, and on PostgreSQL a GIN index on to_tsvector('simple', search_terms),
the expression `demand_search` filters on, so that a two-character Chinese word (检测), which
the trigram indexes of 0005 cannot narrow, is answered from an index too."""

from django.db import migrations, models

from providers.search import search_terms

# Written as Django writes SearchVector("search_terms", config="simple"), so that the planner
# matches the query's expression to the index.
INDEX = (
    "CREATE INDEX IF NOT EXISTS demand_search_terms_idx ON providers_demand"
    " USING gin (to_tsvector('simple'::regconfig, COALESCE(search_terms, '')))"
)


def fill(apps, schema_editor):
    Demand = apps.get_model("providers", "Demand")
    batch = []
    for demand in Demand.objects.only("id", "title", "description").iterator(chunk_size=2000):
        demand.search_terms = search_terms(demand.title, demand.description)
        batch.append(demand)
        if len(batch) == 2000:
            Demand.objects.bulk_update(batch, ["search_terms"])
            batch = []
    Demand.objects.bulk_update(batch, ["search_terms"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS demand_search_terms_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0011_notice_public_notice"),
    ]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="search_terms",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
