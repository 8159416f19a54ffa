"""python manage.py rotate_personal_data_keys"""

from django.core.management.base import BaseCommand

from registry.services.personal_data import reencrypt_personal_data


class Command(BaseCommand):
    help = (
        "用最新的个人信息密钥重新加密全部个人信息（轮换密钥：先把新密钥放在 PERSONAL_DATA_KEYS 或密钥文件的第一行，"
        "运行本命令后再删去旧密钥）。"
    )

    def handle(self, *args, **options):
        rewritten = reencrypt_personal_data()
        self.stdout.write(
            f"已重新加密：社会组织 {rewritten['organizations']} 个，申请 {rewritten['applications']} 件。"
        )
