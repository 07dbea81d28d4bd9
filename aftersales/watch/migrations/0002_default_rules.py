"""The every-shop rule of each kind, with the defaults, so the watch works from the start and
the rules page shows what is in force. The sweep writes any that are missing too."""

from django.db import migrations
from django.utils import timezone

DEFAULTS = {
    "stalled": 48,
    "problem_parcel": 0,
    "refused": 0,
    "returning": 0,
    "signed_by_other": 0,
    "open_case": 72,
}


def forwards(apps, schema_editor):
    WatchRule = apps.get_model("watch", "WatchRule")
    now = timezone.now()
    for kind, hours in DEFAULTS.items():
        if not WatchRule.objects.filter(shop__isnull=True, kind=kind).exists():
            WatchRule.objects.create(
                shop=None,
                kind=kind,
                threshold_hours=hours,
                due_hours=24,
                is_active=True,
                created_at=now,
                updated_at=now,
            )


class Migration(migrations.Migration):
    dependencies = [("watch", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
