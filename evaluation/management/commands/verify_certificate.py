"""Check a certificate: by its verification code (or number) against the database, or offline
from a JSON document against the issuer's public key (docs/certificates.md).

    python manage.py verify_certificate 7KQ2M9XHC4RT8WNP
    python manage.py verify_certificate certificate.json [--public-key issuer.pem]
    python manage.py verify_certificate --export 市南社评字〔2026〕第003号 > certificate.json

Exit status: 0 valid; 1 invalid (signature does not check, malformed document, not found);
2 genuine but revoked or expired (a lookup only: an offline document cannot know).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation import signing
from evaluation.selectors.verification import certificate_by_code, certificate_by_number
from evaluation.services.certificates import (
    FORMAT,
    CertificateState,
    canonical_json,
    certificate_status,
    export_document,
)

INVALID, NOT_IN_FORCE = 1, 2


class Command(BaseCommand):
    help = "Verify an evaluation certificate by code or number, or offline from a JSON document."

    def add_arguments(self, parser):
        parser.add_argument("target", help="a verification code, a certificate number, or a JSON file")
        parser.add_argument(
            "--public-key",
            dest="public_key",
            help="PEM file of the issuer's public key for an offline check (default: this site's key)",
        )
        parser.add_argument(
            "--export",
            action="store_true",
            help="print the JSON document of the certificate TARGET (code or number) instead of checking it",
        )

    def handle(self, *args, target, public_key=None, export=False, **options):
        path = Path(target)
        if not export and path.is_file():
            return self._check_document(path, public_key)
        certificate = certificate_by_code(target) or certificate_by_number(target)
        if certificate is None:
            raise CommandError(f"No certificate has the code or number {target!r}.", returncode=INVALID)
        if export:
            self.stdout.write(json.dumps(export_document(certificate), ensure_ascii=False, indent=2))
            return
        status = certificate_status(certificate)
        self.stdout.write(f"{certificate.number} · {certificate.organization_name} · {certificate.grade}")
        if not status.signature_ok:
            raise CommandError("INVALID: the stored record does not match its signature.", returncode=INVALID)
        if status.state == CertificateState.REVOKED:
            raise CommandError(
                f"REVOKED on {status.revoked_on.isoformat()}: {status.revocation_reason}", returncode=NOT_IN_FORCE
            )
        if status.state == CertificateState.EXPIRED:
            raise CommandError(f"EXPIRED on {certificate.valid_until.isoformat()}.", returncode=NOT_IN_FORCE)
        self.stdout.write(f"VALID: signature checks, valid until {certificate.valid_until.isoformat()}.")

    def _check_document(self, path: Path, public_key_file: str | None) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            data, signature = document["data"], document["signature"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            message = f"INVALID: {path} is not a certificate document ({error})."
            raise CommandError(message, returncode=INVALID) from None
        if not isinstance(data, dict) or not isinstance(signature, str) or data.get("format") != FORMAT:
            raise CommandError(f"INVALID: {path} is not a {FORMAT} document.", returncode=INVALID)
        # Trust the key the operator names or this site's own, never the one the document brings.
        try:
            key_pem = Path(public_key_file).read_text(encoding="ascii") if public_key_file else signing.public_key_pem()
            key_id = signing.key_id_of(key_pem)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"Cannot use the public key {public_key_file}: {error}.", returncode=INVALID) from None
        enclosed = document.get("public_key")
        if enclosed and enclosed.strip() != key_pem.strip():
            self.stdout.write("Note: the document's enclosed public key is not the one checked against; it is ignored.")
        if data.get("key_id") != key_id:
            raise CommandError(
                f"INVALID: signed with key {data.get('key_id')!r}, not with the issuer's key {key_id}.",
                returncode=INVALID,
            )
        if not signing.verify(canonical_json(data), signature, key_pem):
            raise CommandError("INVALID: the signature does not match the data.", returncode=INVALID)
        self.stdout.write(
            f"VALID signature (key {key_id}): {data.get('number')} · {data.get('organization_name')} · "
            f"{data.get('grade')}, valid {data.get('valid_from')} to {data.get('valid_until')}. "
            "Whether it was revoked since is shown on the verification page."
        )
