"""python manage.py export_certificate NUMBER --out FILE.pdf

Writes a certificate's PDF, rendered afresh from its record (the same document as the stored one:
everything printed comes from the record). For other systems and for re-printing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.models import Certificate
from evaluation.services.certificate_pdf import render_certificate_pdf


class Command(BaseCommand):
    help = "将评估等级证书导出为PDF文件：export_certificate 证书编号 --out 文件.pdf"

    def add_arguments(self, parser):
        parser.add_argument("number", help="证书编号，如 市南社评字〔2026〕第003号")
        parser.add_argument("--out", required=True, help="写入的PDF文件")

    def handle(self, *args, number, out, **options):
        certificate = Certificate.objects.filter(number=number.strip()).first()
        if certificate is None:
            raise CommandError(f"没有编号为“{number}”的证书。")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"目录不存在：{path.parent}")
        path.write_bytes(render_certificate_pdf(certificate))
        state = "（已撤销）" if certificate.revoked_on else ""
        self.stdout.write(f"已导出证书 {certificate.number}{state}：{path}")
