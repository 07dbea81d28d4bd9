from django.db import migrations


class Migration(migrations.Migration):
    """The threshold now lives in the approval rules (approvals 0004 copied each shop's into a
    rule of its own before this runs)."""

    dependencies = [
        ("accounts", "0003_create_role_groups"),
        ("approvals", "0004_rules_from_shop_thresholds"),
    ]

    operations = [
        migrations.RemoveField(model_name="shop", name="compensation_approval_threshold"),
    ]
