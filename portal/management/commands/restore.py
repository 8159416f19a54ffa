"""`manage.py restore ARCHIVE [--force]`: the database and the uploaded files from an archive of
`manage.py backup` (see `portal.backups`)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.backups import BackupError, created_at_local, restore_backup


class Command(BaseCommand):
    @property
    def help(self):  # a property: translated when asked for, in the language then active
        return _(
            "从 backup 命令生成的归档文件恢复数据库和上传的文件。先核对归档的校验和；数据库中已有数据时拒绝执行，"
            "除非指定 --force。"
        )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help=_("归档文件的路径"))
        parser.add_argument("--force", action="store_true", help=_("数据库中已有数据时仍然恢复（替换其中的数据）"))

    def handle(self, *args, archive, force, **options):
        try:
            manifest = restore_backup(archive=archive, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        tables = manifest["database"]["tables"]
        self.stdout.write(
            _("已恢复 %(created)s 的备份：%(tables)d 张表共 %(rows)d 行，%(files)d 个文件。")
            % {
                "created": created_at_local(manifest),
                "tables": len(tables),
                "rows": sum(tables.values()),
                "files": len(manifest["files"]) - 1,
            }
        )
        self.stdout.write(_("如果当前代码比备份新，请再运行 manage.py migrate。"))
