"""The issuance batch belongs to the credentials app, which issues every credential; the table
stays where it is until the next migration renames it."""

import django.db.models.deletion
from django.db import migrations, models

KINDS = [
    ("national_certificate", "National electronic certificate"),
    ("provincial_certificate", "Provincial electronic certificate"),
    ("exam_proof", "Electronic qualification-exam proof"),
    ("title_certificate", "Professional-title certificate"),
    ("score_proof", "Interim score proof"),
    ("qualification_proof", "Qualification proof"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0009_holder_keeps_identity_only"),
        ("issuance", "0001_imports_and_batches"),
        ("authorities", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IssuanceBatch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "reference",
                            models.CharField(
                                editable=False, max_length=32, unique=True, verbose_name="reference"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(choices=KINDS, max_length=32, verbose_name="kind"),
                        ),
                        ("size", models.PositiveIntegerField(default=0, verbose_name="size")),
                        ("merkle_root", models.BinaryField(max_length=32, null=True)),
                        ("statement", models.BinaryField(null=True)),
                        ("kid_hex", models.CharField(blank=True, max_length=16)),
                        ("signed_at", models.DateTimeField(null=True, verbose_name="signed at")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "issuing_authority",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="authorities.authority",
                                verbose_name="issuing authority",
                            ),
                        ),
                        (
                            "source",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="batches",
                                to="issuance.passlistimport",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "issuance batch",
                        "verbose_name_plural": "issuance batches",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "issuance_issuancebatch",
                    },
                ),
                migrations.AlterField(
                    model_name="credential",
                    name="batch",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credentials",
                        to="credentials.issuancebatch",
                        verbose_name="issuance batch",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
