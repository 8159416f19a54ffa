"""One ActivityField row per FieldOfActivity code, so forms and filters can offer them."""

from django.db import migrations

CODES = [
    "elderly_care",
    "education",
    "health",
    "culture",
    "sports",
    "science",
    "children",
    "legal",
    "other_welfare",
]


def seed(apps, schema_editor):
    ActivityField = apps.get_model("registry", "ActivityField")
    for code in CODES:
        ActivityField.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
