"""python manage.py load_frameworks [PATH ...]: import indicator frameworks from JSON files (by
default those bundled with the project: two frameworks and the venture scoring sheet). Loading
the same file again changes nothing."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from evaluation.services.frameworks import import_framework_file

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "frameworks"
DEFAULT_FILES = (BUNDLED / "national-1000.json", BUNDLED / "qingdao-200.json", BUNDLED / "venture-100.json")


class Command(BaseCommand):
    help = "导入评估指标体系（JSON）。不指定文件时导入项目自带的指标体系和公益创投评审表；内容未变的不重复导入。"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")

    def handle(self, *args, paths: list[Path], **options):
        translation.activate("zh-hans")
        for path in paths or DEFAULT_FILES:
            try:
                # An operator at the console acts for the bureau (actor=None).
                framework, created = import_framework_file(path.read_bytes(), actor=None)
            except OSError as error:
                raise CommandError(f"无法读取文件 {path}：{error.strerror}") from error
            except ValidationError as error:
                problems = "\n".join(f"    {message}" for message in error.messages)
                raise CommandError(f"{path}：未导入，有以下问题：\n{problems}") from error
            if created:
                self.stdout.write(
                    self.style.SUCCESS(f"已导入：{framework.code} 第{framework.version}版 {framework.name}")
                )
            else:
                self.stdout.write(
                    f"已存在：{framework.code} 第{framework.version}版 {framework.name}（内容相同，未改动）"
                )
