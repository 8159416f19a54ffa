"""`manage.py load_demo_data [--seed N]`: the demo a newcomer sees after `make run`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.demo import (
    ADMIN_URL,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    SITE_URL,
    format_login_table,
    load_demo_data,
)
from portal.security.two_factor import requires_two_factor
from registry.demo import OtherSeedLoaded


class Command(BaseCommand):
    help = "载入演示数据（行政区划、社会组织、联合会、评估机构和各角色的演示账号）；重复执行不会重复创建。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子，默认 {DEFAULT_SEED}")

    def handle(self, *args, seed: int, **options):
        try:
            load_demo_data(seed, self.stdout)
        except OtherSeedLoaded as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"网站地址：{SITE_URL}")
        self.stdout.write(f"后台地址：{ADMIN_URL}")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for line in format_login_table():
            self.stdout.write(f"  {line}")
        users = get_user_model().objects.filter(username__in=[spec.username for spec in DEMO_USERS]).order_by("pk")
        if two_factor := [user.username for user in users if requires_two_factor(user)]:
            self.stdout.write(
                f"登录后台须二次验证：{'、'.join(two_factor)}；"
                "试用时验证码用 `python manage.py demo_totp 用户名` 获取。"
            )
