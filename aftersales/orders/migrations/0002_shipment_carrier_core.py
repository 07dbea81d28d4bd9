import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The shipment's carrier now points at core.Carrier: the same table, so the database
    keeps its foreign key as it is."""

    dependencies = [
        ("orders", "0001_initial"),
        ("core", "0002_carrier"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="shipment",
                    name="carrier",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="core.carrier",
                        verbose_name="快递公司",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
