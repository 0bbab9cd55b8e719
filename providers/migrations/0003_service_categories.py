from django.db import migrations

CATEGORIES = [
    ("testing", "Testing and inspection", "检验检测"),
    ("rnd", "R&D collaboration", "研发合作"),
    ("transfer", "Technology transfer", "技术转移"),
    ("instruments", "Shared large instruments", "大型仪器共享"),
    ("ip", "Intellectual property", "知识产权"),
    ("consulting", "Consulting", "咨询服务"),
    ("training", "Training", "培训服务"),
]


def create_categories(apps, schema_editor):
    ServiceCategory = apps.get_model("providers", "ServiceCategory")
    for code, name, name_zh in CATEGORIES:
        ServiceCategory.objects.update_or_create(code=code, defaults={"name": name, "name_zh": name_zh})


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_initial")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
