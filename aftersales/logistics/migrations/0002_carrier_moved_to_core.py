from django.db import migrations


class Migration(migrations.Migration):
    """The table stays; core.Carrier owns it now (core 0002)."""

    dependencies = [
        ("logistics", "0001_initial"),
        ("orders", "0002_shipment_carrier_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Carrier")],
            database_operations=[],
        ),
    ]
