"""Indexes for the dashboards' voucher figures, so that they are index-only scans at a
hundred thousand vouchers (the redemption figures come from RedemptionMonthlyFlow).

Raw SQL, not `Meta.indexes`: the voucher model belongs to the vouchers app, and PostgreSQL's
covering INCLUDE column has no SQLite spelling.
"""

from django.db import migrations

INDEXES = [
    # official dashboard: face value issued per month of the year, by district
    ("voucher_region_issued_idx", "vouchers_voucher (issuing_region_id, issued_at)", "face_value"),
    # operator dashboard: vouchers and active vouchers of the year, per district
    ("voucher_year_region_status_idx", "vouchers_voucher (year, issuing_region_id, status)", ""),
]


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, target, include in INDEXES:
        covering = f" INCLUDE ({include})" if include and postgres else ""
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}{covering}")


def backwards(apps, schema_editor):
    for name, _target, _include in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("regions", "0006_perf_monthly_flows"), ("vouchers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
