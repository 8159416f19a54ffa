"""python manage.py export_certificate NUMBER --out FILE.pdf (or --out DIRECTORY)

Writes a certificate's PDF, rendered afresh from its record (the same document as the stored one:
everything printed comes from the record). For other systems and for re-printing. The number may
be typed with ASCII brackets ([2026]) or other look-alikes of 〔〕, as `verify_certificate` takes
it; given a directory, the file is written into it as NUMBER.pdf."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from evaluation.selectors.verification import certificate_by_number
from evaluation.services.certificate_pdf import render_certificate_pdf


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a str, not a lazy translation; asked when the parser is made
        return _("将评估等级证书导出为PDF文件：export_certificate 证书编号 --out 文件.pdf（或目录）")

    def add_arguments(self, parser):
        parser.add_argument("number", help=_("证书编号，如 市南社评字〔2026〕第003号（也可写作 [2026]）"))
        parser.add_argument("--out", required=True, help=_("写入的PDF文件；给出目录时写入该目录下的“证书编号.pdf”"))

    def handle(self, *args, number, out, **options):
        certificate = certificate_by_number(number)
        if certificate is None:
            raise CommandError(_("没有编号为“%(number)s”的证书。") % {"number": number.strip()})
        path = Path(out)
        if path.is_dir():
            path = path / f"{certificate.number}.pdf"
        if not path.parent.is_dir():
            raise CommandError(_("目录不存在：%(directory)s") % {"directory": path.parent})
        try:
            path.write_bytes(render_certificate_pdf(certificate))
        except OSError as error:
            raise CommandError(
                _("无法写入%(path)s：%(error)s") % {"path": path, "error": error.strerror or error}
            ) from None
        state = _("（已撤销）") if certificate.revoked_on else ""
        self.stdout.write(
            _("已导出证书 %(number)s%(state)s：%(path)s") % {"number": certificate.number, "state": state, "path": path}
        )
