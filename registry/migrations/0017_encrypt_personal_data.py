"""Encrypt the legal representatives' ID numbers and phones at rest (registry/encryption.py), on
organizations and in the `proposed` facts of applications.

The organization columns become text on PostgreSQL, where a token does not fit varchar(18). SQLite
keeps its columns: it does not enforce their length, and remaking registry_organization there would
drop the search index's triggers (0016). The values are rewritten while the fields are still plain
in the migration state, and decrypted the same way when the migration is reversed.
"""

import json

from django.db import migrations, models

import registry.models.fields
import registry.validators
from registry.encryption import decrypt, encrypt

ORGANIZATION_FIELDS = {"legal_representative_id_number": 18, "legal_representative_phone": 40}
APPLICATION_KEYS = ["legal_representative_id_number", "legal_representative_phone"]
BATCH = 500


def _column_types(schema_editor, sql_type) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE registry_organization "
        + ", ".join(f"ALTER COLUMN {name} TYPE {sql_type(length)}" for name, length in ORGANIZATION_FIELDS.items())
    )


def widen_columns(apps, schema_editor):
    _column_types(schema_editor, lambda length: "text")


def narrow_columns(apps, schema_editor):
    _column_types(schema_editor, lambda length: f"varchar({length})")


def _rewrite(queryset, fields: list[str], rewrite) -> None:
    """Save, in batches, the rows for which `rewrite(row)` changed something."""
    changed = []
    for row in queryset.only(*fields).iterator(chunk_size=BATCH):
        if rewrite(row):
            changed.append(row)
        if len(changed) == BATCH:
            queryset.model.objects.bulk_update(changed, fields)
            changed = []
    queryset.model.objects.bulk_update(changed, fields)


def _rewrite_organizations(apps, convert) -> None:
    Organization = apps.get_model("registry", "Organization")

    def rewrite(organization) -> bool:
        for name in ORGANIZATION_FIELDS:
            if getattr(organization, name):
                setattr(organization, name, convert(getattr(organization, name)))
        return True

    holding_nothing = models.Q(legal_representative_id_number="", legal_representative_phone="")
    _rewrite(Organization.objects.exclude(holding_nothing), list(ORGANIZATION_FIELDS), rewrite)


def encrypt_organizations(apps, schema_editor):
    _rewrite_organizations(apps, encrypt)


def decrypt_organizations(apps, schema_editor):
    _rewrite_organizations(apps, decrypt)


def _rewrite_applications(apps, convert) -> None:
    def rewrite(application) -> bool:
        proposed = application.proposed
        keys = [key for key in APPLICATION_KEYS if isinstance(proposed, dict) and proposed.get(key) not in (None, "")]
        for key in keys:
            proposed[key] = convert(proposed[key])
        return bool(keys)

    _rewrite(apps.get_model("registry", "Application").objects.all(), ["proposed"], rewrite)


def encrypt_applications(apps, schema_editor):
    # As PartlyEncryptedJSONField writes them: the JSON text of each value, encrypted.
    _rewrite_applications(apps, lambda value: encrypt(json.dumps(value)))


def decrypt_applications(apps, schema_editor):
    _rewrite_applications(apps, lambda token: json.loads(decrypt(token)))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0016_search_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="organization",
                    name=name,
                    field=models.TextField(blank=True, verbose_name=name),
                )
                for name in ORGANIZATION_FIELDS
            ],
            database_operations=[migrations.RunPython(widen_columns, narrow_columns)],
        ),
        migrations.RunPython(encrypt_organizations, decrypt_organizations),
        migrations.RunPython(encrypt_applications, decrypt_applications),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="organization",
                    name="legal_representative_id_number",
                    field=registry.models.fields.EncryptedCharField(
                        blank=True,
                        max_length=18,
                        validators=[registry.validators.validate_resident_id],
                        verbose_name="法定代表人身份证号码",
                    ),
                ),
                migrations.AlterField(
                    model_name="organization",
                    name="legal_representative_phone",
                    field=registry.models.fields.EncryptedCharField(
                        blank=True, max_length=40, verbose_name="法定代表人手机"
                    ),
                ),
                migrations.AlterField(
                    model_name="application",
                    name="proposed",
                    field=registry.models.fields.PartlyEncryptedJSONField(
                        blank=True,
                        default=dict,
                        encrypted_keys=APPLICATION_KEYS,
                        verbose_name="申请事项",
                    ),
                ),
            ],
            # Text columns already (JSON is text on SQLite, jsonb on PostgreSQL): nothing to alter.
            database_operations=[],
        ),
    ]
