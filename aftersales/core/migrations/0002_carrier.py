from django.db import migrations, models


class Migration(migrations.Migration):
    """Carriers move from the logistics app to core, table and rows untouched: only Django's
    idea of which app holds the model changes."""

    dependencies = [
        ("core", "0001_initial"),
        ("logistics", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Carrier",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("code", models.SlugField(max_length=32, unique=True, verbose_name="代码")),
                        ("name", models.CharField(max_length=64, unique=True, verbose_name="名称")),
                    ],
                    options={
                        "verbose_name": "快递公司",
                        "verbose_name_plural": "快递公司",
                        "ordering": ["name"],
                        "db_table": "logistics_carrier",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
