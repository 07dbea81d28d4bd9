"""API tokens expire: the tokens made before this run out API_TOKEN_LIFETIME after they were
made (those already past it are expired at once). And the permit table the reveal log's
triggers (0006) look for."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def expire_old_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=F("created_at") + settings.API_TOKEN_LIFETIME
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_remove_shop_compensation_approval_threshold"),
    ]

    operations = [
        migrations.CreateModel(
            name="RevealPurgePermit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="到期时间"),
        ),
        migrations.RunPython(expire_old_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="到期时间"),
        ),
        migrations.AddIndex(
            model_name="apitoken",
            index=models.Index(fields=["user", "-created_at"], name="apitoken_user_created"),
        ),
    ]
