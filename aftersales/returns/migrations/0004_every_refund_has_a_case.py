import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every refund belongs to a case: money moves only through a case's actions, and a
    refund asked for without one opens a compensation. A database that still holds refunds
    without a case stops here, so they can be looked at rather than guessed at."""

    dependencies = [
        ("cases", "0005_kinds_registered_by_areas"),
        ("returns", "0003_compensation_cost"),
    ]

    operations = [
        migrations.AlterField(
            model_name="refund",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="cases.case",
            ),
        ),
    ]
