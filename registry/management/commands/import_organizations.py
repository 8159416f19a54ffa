"""python manage.py import_organizations FILE [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from registry.services.importing import ImportFileError, import_organizations


class Command(BaseCommand):
    help = "导入社会组织表格（XLSX或CSV，中文表头）。--dry-run 只检查并列出每行的错误，不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        translation.activate("zh-hans")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取文件 {file}：{error.strerror}") from error
        try:
            # An operator at the console acts for the bureau: no per-user scoping (actor=None).
            report = import_organizations(content=content, filename=file.name, actor=None, dry_run=dry_run)
        except ImportFileError as error:
            raise CommandError(str(error)) from error

        for row in report.rows:
            if row.errors:
                label = f"第{row.number}行" if row.number else "文件"
                self.stdout.write(f"{label} {row.identifier} {row.name}".rstrip())
                for message in row.errors:
                    self.stdout.write(f"    {message}")
        summary = (
            f"新增 {report.count('new')} 行，更新 {report.count('update')} 行，"
            f"未变 {report.count('skip')} 行，有错误 {sum(1 for r in report.rows if r.errors)} 行。"
        )
        if report.has_errors:
            raise CommandError(f"{summary} 有错误，未写入任何数据。")
        if dry_run:
            self.stdout.write(f"{summary}（试导入，未写入）")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary} 已全部写入。"))
