"""Sparse columns are indexed only where they are set; supersedes is unique only where set."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0001_initial"),
        ("catalogue", "0003_qualification_face_texts"),
        ("credentials", "0015_holder_photo_file_removed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="credential",
            name="attests",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="proofs",
                to="credentials.credential",
                verbose_name="attests",
            ),
        ),
        migrations.AlterField(
            model_name="credential",
            name="issuing_authority",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="authorities.authority",
                verbose_name="issuing authority",
            ),
        ),
        migrations.AlterField(
            model_name="credential",
            name="supersedes",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="superseded_by",
                to="credentials.credential",
                verbose_name="supersedes",
            ),
        ),
        migrations.AlterField(
            model_name="credential",
            name="verification_code",
            field=models.CharField(
                blank=True, db_default="", max_length=16, verbose_name="verification code"
            ),
        ),
        migrations.AlterField(
            model_name="holder",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="holders",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="credential",
            index=models.Index(
                condition=models.Q(("attests__isnull", False)),
                fields=["attests"],
                name="credential_attests",
            ),
        ),
        migrations.AddIndex(
            model_name="credential",
            index=models.Index(
                condition=models.Q(("verification_code", ""), _negated=True),
                fields=["verification_code"],
                name="credential_verification_code",
            ),
        ),
        migrations.AddIndex(
            model_name="holder",
            index=models.Index(
                condition=models.Q(("user__isnull", False)), fields=["user"], name="holder_user"
            ),
        ),
        migrations.AddConstraint(
            model_name="credential",
            constraint=models.UniqueConstraint(
                condition=models.Q(("supersedes__isnull", False)),
                fields=("supersedes",),
                name="credential_supersedes_once",
            ),
        ),
    ]
