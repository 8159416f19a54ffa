"""Check a certificate: by its verification code (or number) against the database, or offline from
a JSON document against the issuer's public keys (docs/certificates.md).

    python manage.py verify_certificate 7KQ2M9XHC4RT8WNP
    python manage.py verify_certificate certificate.json [--public-key issuer.pem]
    python manage.py verify_certificate --export 市南社评字〔2026〕第003号 > certificate.json

A document is checked against the key its `data.key_id` names among the issuer's configured keys
(the current one and CERTIFICATE_RETIRED_PUBLIC_KEYS), or against the key given with --public-key;
never against the key the document encloses. Its dates are compared with today, and a signed
revocation statement in it is checked too.

Each verdict starts with a fixed word for scripts (VALID, INVALID, REVOKED, EXPIRED,
NOT_YET_VALID). Exit status: 0 valid; 1 invalid (a signature, the revocation statement, the key
or the document does not check; not found); 2 genuine but not in force today (revoked, expired
or not yet valid).
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation import signing
from evaluation.selectors.verification import certificate_by_code, certificate_by_number
from evaluation.services.certificates import (
    FORMAT,
    REVOCATION_FORMAT,
    CertificateState,
    canonical_json,
    certificate_status,
    dates_state,
    export_document,
)

INVALID, NOT_IN_FORCE = 1, 2
# Longer than any code or number: such a target is neither (and maybe not even a possible path).
MAX_TARGET = 200


def _invalid(message: str) -> CommandError:
    return CommandError(f"INVALID：{message}", returncode=INVALID)


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a str, not a lazy translation; asked when the parser is made
        return _(
            "查验评估等级证书：按查验码或证书编号查验数据库中的记录，或按发证机关公钥离线查验证书数据文件（JSON）。"
        )

    def add_arguments(self, parser):
        parser.add_argument("target", help=_("查验码、证书编号或证书数据文件（JSON）"))
        parser.add_argument(
            "--public-key",
            dest="public_key",
            help=_("离线查验所用的发证机关公钥（PEM文件）；默认使用本网站配置的、与文件中 key_id 相符的公钥"),
        )
        parser.add_argument(
            "--export",
            action="store_true",
            help=_("输出证书（按查验码或证书编号）的数据文件（JSON），而不查验"),
        )

    def handle(self, *args, target, public_key=None, export=False, **options):
        if not export and self._is_file(target):
            return self._check_document(Path(target), public_key)
        if len(target) > MAX_TARGET:
            raise _invalid(_("“%(target)s…”不是证书文件，也不是查验码或证书编号。") % {"target": target[:40]})
        certificate = certificate_by_code(target) or certificate_by_number(target)
        if certificate is None:
            raise _invalid(_("没有查验码或编号为“%(target)s”的证书。") % {"target": target})
        if export:
            self.stdout.write(json.dumps(export_document(certificate), ensure_ascii=False, indent=2))
            return
        self._check_record(certificate)

    @staticmethod
    def _is_file(target: str) -> bool:
        try:
            return Path(target).is_file()
        except (OSError, ValueError):  # a name too long for the file system, or holding a NUL
            return False

    # --- By code, in the database -------------------------------------------------------------------

    def _check_record(self, certificate) -> None:
        today = timezone.localdate()
        status = certificate_status(certificate, today)
        self.stdout.write(f"{certificate.number} · {certificate.organization_name} · {certificate.grade}")
        if not status.signature_ok:
            raise _invalid(_("数据库中的证书记录与签名不符。"))
        if not status.revocation_ok:
            raise _invalid(_("证书的撤销记录与发证机关签名的撤销声明不符。"))
        self.stdout.write(_("签名核对无误（密钥 %(key_id)s）。") % {"key_id": certificate.key_id})
        if status.state == CertificateState.REVOKED:
            raise CommandError(
                "REVOKED："
                + _("已于%(date)s撤销：%(reason)s")
                % {"date": status.revoked_on.isoformat(), "reason": status.revocation_reason},
                returncode=NOT_IN_FORCE,
            )
        self._report_dates(certificate.valid_from, certificate.valid_until, today)

    def _report_dates(self, valid_from: datetime.date, valid_until: datetime.date, today: datetime.date) -> None:
        """The verdict of a genuine, unrevoked certificate by its dates and today's."""
        state = dates_state(valid_from, valid_until, today)
        dates = {"start": valid_from.isoformat(), "end": valid_until.isoformat(), "today": today.isoformat()}
        if state == CertificateState.EXPIRED:
            raise CommandError(
                "EXPIRED：" + _("有效期已于%(end)s届满（今天是%(today)s）。") % dates, returncode=NOT_IN_FORCE
            )
        if state == CertificateState.NOT_YET_VALID:
            raise CommandError(
                "NOT_YET_VALID：" + _("自%(start)s起生效，有效期至%(end)s（今天是%(today)s）。") % dates,
                returncode=NOT_IN_FORCE,
            )
        self.stdout.write("VALID：" + _("在有效期内（%(start)s至%(end)s，今天是%(today)s）。") % dates)

    # --- Offline, from a document -------------------------------------------------------------------

    def _check_document(self, path: Path, public_key_file: str | None) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            data, signature = document["data"], document["signature"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise _invalid(_("%(path)s 不是证书文件（%(error)s）。") % {"path": path, "error": error}) from None
        if not isinstance(data, dict) or not isinstance(signature, str) or data.get("format") != FORMAT:
            raise _invalid(_("%(path)s 不是 %(format)s 格式的证书文件。") % {"path": path, "format": FORMAT})
        enclosed = document.get("public_key")
        if enclosed is not None and not isinstance(enclosed, str):
            raise _invalid(_("%(path)s 所附的公钥（public_key）不是 PEM 文本。") % {"path": path})
        given = self._given_key(public_key_file)
        key_id = data.get("key_id")
        key_pem = self._key_for(key_id, given, strict=True)
        if enclosed and enclosed.strip() != key_pem.strip():
            self.stdout.write(_("注意：文件所附的公钥不是用于核对的公钥，已忽略。"))
        if not signing.verify(canonical_json(data), signature, key_pem):
            raise _invalid(_("签名与数据不符。"))
        self.stdout.write(
            _("签名核对无误（密钥 %(key_id)s）：%(number)s · %(name)s · %(grade)s。")
            % {
                "key_id": key_id,
                "number": data.get("number"),
                "name": data.get("organization_name"),
                "grade": data.get("grade"),
            }
        )
        if "revocation" in document:
            self._check_revocation(document["revocation"], data, given)
        try:
            valid_from = datetime.date.fromisoformat(data["valid_from"])
            valid_until = datetime.date.fromisoformat(data["valid_until"])
        except (KeyError, TypeError, ValueError):
            raise _invalid(_("证书数据中的有效期不是日期。")) from None
        self._report_dates(valid_from, valid_until, timezone.localdate())
        self.stdout.write(_("证书此后是否被撤销，请以查验页面的结果为准。"))

    def _given_key(self, public_key_file: str | None) -> tuple[str, str] | None:
        """(key id, PEM) of the key named with --public-key, if one is."""
        if not public_key_file:
            return None
        try:
            pem = Path(public_key_file).read_text(encoding="ascii")
            return signing.key_id_of(pem), pem
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise _invalid(
                _("无法使用公钥 %(file)s：%(error)s。") % {"file": public_key_file, "error": error}
            ) from None

    def _key_for(self, key_id, given: tuple[str, str] | None, *, strict: bool) -> str:
        """The PEM to check a signature by `key_id` against: the given key (which the certificate
        itself must have been signed with, when `strict`), else the configured key with that id."""
        if given is not None and (strict or key_id == given[0]):
            if key_id != given[0]:
                raise _invalid(
                    _("签名密钥为 %(key_id)s，不是所给的公钥 %(given)s。") % {"key_id": key_id, "given": given[0]}
                )
            return given[1]
        pem = signing.public_key_for(key_id)
        if pem is None:
            known = "、".join(key.key_id for key in signing.public_keys())
            raise _invalid(
                _("签名密钥为 %(key_id)s，不是发证机关的公钥（%(known)s）。") % {"key_id": key_id, "known": known}
            )
        return pem

    def _check_revocation(self, revocation, data: dict, given: tuple[str, str] | None) -> None:
        """A revocation statement in the document: signed by one of the issuer's keys and about this
        certificate, it makes the verdict REVOKED; anything else makes the document invalid."""
        statement = revocation.get("data") if isinstance(revocation, dict) else None
        signature = revocation.get("signature") if isinstance(revocation, dict) else None
        if (
            not isinstance(statement, dict)
            or not isinstance(signature, str)
            or statement.get("format") != REVOCATION_FORMAT
            or statement.get("code") != data.get("code")
        ):
            raise _invalid(_("文件中的撤销声明不是该证书的撤销声明。"))
        key_pem = self._key_for(statement.get("key_id"), given, strict=False)
        if not signing.verify(canonical_json(statement), signature, key_pem):
            raise _invalid(_("撤销声明的签名与内容不符。"))
        raise CommandError(
            "REVOKED："
            + _("已于%(date)s撤销：%(reason)s")
            % {"date": statement.get("revoked_on"), "reason": statement.get("reason")},
            returncode=NOT_IN_FORCE,
        )
