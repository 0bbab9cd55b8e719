from django.db import migrations

DISTRICTS = [
    ("YANGPU", "YP", "Yangpu District", "杨浦区", "Shanghai", "上海市"),
    ("WUJIN", "WJ", "Wujin District", "武进区", "Changzhou, Jiangsu", "江苏省常州市"),
    ("NANHU", "NH", "Nanhu District", "南湖区", "Jiaxing, Zhejiang", "浙江省嘉兴市"),
    ("HEFEI_HT", "HF", "Hefei High-tech Zone", "合肥高新区", "Hefei, Anhui", "安徽省合肥市"),
]


def create_districts(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for code, short, name, name_zh, province, province_zh in DISTRICTS:
        Region.objects.update_or_create(
            code=code,
            defaults={
                "short_code": short,
                "name": name,
                "name_zh": name_zh,
                "province": province,
                "province_zh": province_zh,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0002_initial")]

    operations = [migrations.RunPython(create_districts, migrations.RunPython.noop)]
