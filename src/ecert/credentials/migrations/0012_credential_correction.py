"""Corrections (信息修改): the superseded credential, its replacement, the reason and evidence."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0011_issuance_batch_table"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CredentialCorrection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("changed", models.JSONField(default=list, verbose_name="changed fields")),
                ("reason", models.TextField(verbose_name="reason")),
                (
                    "evidence",
                    models.BinaryField(editable=False, null=True, verbose_name="evidence"),
                ),
                ("evidence_type", models.CharField(blank=True, max_length=32)),
                ("evidence_sha256", models.CharField(blank=True, max_length=64)),
                ("made_at", models.DateTimeField(verbose_name="made at")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "corrected",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="correction",
                        to="credentials.credential",
                        verbose_name="corrected credential",
                    ),
                ),
                (
                    "replacement",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="correction_of",
                        to="credentials.credential",
                        verbose_name="replacement",
                    ),
                ),
            ],
            options={
                "verbose_name": "correction",
                "verbose_name_plural": "corrections",
                "ordering": ["-made_at", "-id"],
            },
        ),
    ]
