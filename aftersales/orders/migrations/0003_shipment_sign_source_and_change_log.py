import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q


def signed_rows_came_from_tracking(apps, schema_editor):
    """Every sign-in stored before this migration came from a carrier's tracking: the order
    import never writes one (the seller centre's export has no sign-in column, and its
    确认收货时间 is the buyer's confirmation), nobody could enter one by hand, and the demo
    loader writes what its carriers report."""
    Shipment = apps.get_model("orders", "Shipment")
    Shipment.objects.exclude(sign_precision="none").update(sign_source="tracking")


class Migration(migrations.Migration):
    """Where a shipment's sign-in came from, who recorded it and when, and the log of every
    change to it."""

    dependencies = [
        ("orders", "0002_shipment_carrier_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="shipment",
            name="sign_source",
            field=models.CharField(
                blank=True,
                choices=[("tracking", "快递轨迹"), ("platform", "平台"), ("person", "人工登记")],
                default="",
                max_length=16,
                verbose_name="签收来源",
            ),
        ),
        migrations.AddField(
            model_name="shipment",
            name="sign_recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="签收登记人",
            ),
        ),
        migrations.AddField(
            model_name="shipment",
            name="sign_recorded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="签收登记时间"),
        ),
        migrations.RunPython(signed_rows_came_from_tracking, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="shipment",
            constraint=models.CheckConstraint(
                condition=Q(sign_precision="none", sign_source="")
                | Q(
                    sign_precision__in=["exact", "date"],
                    sign_source__in=["tracking", "platform", "person"],
                ),
                name="shipment_sign_source_iff_signed",
            ),
        ),
        migrations.CreateModel(
            name="ShipmentSignInChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("before", models.JSONField(verbose_name="修改前")),
                ("after", models.JSONField(verbose_name="修改后")),
                ("at", models.DateTimeField(verbose_name="时间")),
                ("note", models.CharField(blank=True, max_length=255, verbose_name="说明")),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                (
                    "shipment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sign_in_changes",
                        to="orders.shipment",
                    ),
                ),
            ],
            options={
                "verbose_name": "签收修改记录",
                "verbose_name_plural": "签收修改记录",
                "ordering": ["shipment_id", "at", "id"],
            },
        ),
    ]
