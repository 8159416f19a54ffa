"""`manage.py backup [--out DIR]`: the database and the uploaded files in one archive (see
`portal.backups`)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.backups import BackupError, create_backup, default_backup_dir


class Command(BaseCommand):
    @property
    def help(self):  # a property: translated when asked for, in the language then active
        return _(
            "把数据库（PostgreSQL 用 pg_dump，SQLite 用其备份接口）和上传的文件（MEDIA_ROOT、PRIVATE_MEDIA_ROOT）"
            "备份到一个归档文件，附带各表行数和校验和的清单。证书签名密钥不在其中，请另行保管。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None, help=_("归档文件所在的目录，默认为 var/backups"))

    def handle(self, *args, out, **options):
        try:
            result = create_backup(out_dir=out or default_backup_dir())
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("已备份到 %(path)s：%(tables)d 张表共 %(rows)d 行，%(files)d 个文件。")
            % {
                "path": result.path,
                "tables": len(result.manifest["database"]["tables"]),
                "rows": result.rows,
                "files": len(result.manifest["files"]) - 1,
            }
        )
        self.stdout.write(_("校验和：%(checksum)s") % {"checksum": result.manifest["checksum"]})
