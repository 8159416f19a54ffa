"""Certificate fixes (issue 6 audit): the signed digest of each stored PDF, and numbering per
issuing bureau instead of per prefix (docs/certificates.md)."""

import hashlib
import json

from django.db import migrations, models

# The formats as they stand in this migration (the services may move on; this data may not).
FILE_FORMAT = "shinan-evaluation-certificate-file/1"
OLD_SERIES = "evaluation-certificate:"  # + prefix: numbers ran per prefix and year
NEW_SERIES = "evaluation-certificate-bureau:"  # + the bureau's division code


def _canonical_json(facts: dict) -> bytes:
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def fill_file_digests(apps, schema_editor):
    """Give every stored PDF its digest and the issuer's signed statement of it, as
    `certificate_pdf.store_pdf` now does. A file that has gone missing is left without: it is
    rendered afresh, with both, when it is first downloaded."""
    from evaluation import signing  # the key of this deployment, as every signature

    Certificate = apps.get_model("evaluation", "Certificate")
    for certificate in Certificate.objects.exclude(pdf="").filter(pdf_sha256="").iterator(chunk_size=200):
        try:
            with certificate.pdf.open("rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        except (FileNotFoundError, ValueError):
            continue
        key_id = signing.key_id()
        statement = {
            "format": FILE_FORMAT,
            "code": certificate.code,
            "number": certificate.number,
            "sha256": digest,
            "key_id": key_id,
        }
        Certificate.objects.filter(pk=certificate.pk).update(
            pdf_sha256=digest, pdf_key_id=key_id, pdf_signature=signing.sign(_canonical_json(statement))
        )


def carry_number_series(apps, schema_editor):
    """Start each bureau's new yearly series after the numbers it has used, and after the shared
    series of the prefix it printed: bureaus sharing a prefix also shared its series (市南社评字 001
    the district's, 002 the city's), so the district goes on at 003 and never prints 002 again."""
    Certificate = apps.get_model("evaluation", "Certificate")
    NumberSequence = apps.get_model("registry", "NumberSequence")
    old = {
        (row.series.removeprefix(OLD_SERIES), row.year): row.last_number
        for row in NumberSequence.objects.filter(series__startswith=OLD_SERIES)
    }
    wanted = {}
    issued = Certificate.objects.values_list(
        "grade_record__case__campaign__authority__code", "year", "sequence", "number"
    )
    for code, year, sequence, number in issued.iterator(chunk_size=1000):
        prefix = number.split("〔", 1)[0]
        key = (NEW_SERIES + code, year)
        wanted[key] = max(wanted.get(key, 0), sequence, old.get((prefix, year), 0))
    for (series, year), last in wanted.items():
        row, _created = NumberSequence.objects.get_or_create(series=series, year=year)
        if row.last_number < last:
            row.last_number = last
            row.save(update_fields=["last_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0006_campaign_purpose_venture_review"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="pdf_key_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="证书文件声明的签名密钥标识"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="pdf_sha256",
            field=models.CharField(blank=True, max_length=64, verbose_name="证书文件的SHA-256摘要"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="pdf_signature",
            field=models.TextField(blank=True, verbose_name="证书文件声明的签名"),
        ),
        migrations.RunPython(fill_file_digests, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(carry_number_series, migrations.RunPython.noop, elidable=True),
    ]
