"""Fill the derived search fields of organizations created before they existed.

Uses `registry.search`, which holds pure functions of text (no models), so the historical
models of this migration stay valid.
"""

from django.db import migrations

from registry.search import build_search_document, name_sort_key


def fill(apps, schema_editor):
    Organization = apps.get_model("registry", "Organization")
    batch = []
    for organization in Organization.objects.select_related("street", "community").iterator(chunk_size=1000):
        organization.name_pinyin = name_sort_key(organization.name)
        organization.search_document = build_search_document(
            name=organization.name,
            codes=[organization.uscc, organization.filing_number],
            places=[unit.name for unit in (organization.street, organization.community) if unit is not None],
        )
        batch.append(organization)
        if len(batch) == 1000:
            Organization.objects.bulk_update(batch, ["name_pinyin", "search_document"])
            batch = []
    Organization.objects.bulk_update(batch, ["name_pinyin", "search_document"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_organization_search_fields")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
