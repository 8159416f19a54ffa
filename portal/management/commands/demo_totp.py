"""`manage.py demo_totp USERNAME`: the current two-factor code of a demo account, so that a trial of
the demo needs no phone. The authenticator is the one the setup page shows (made here if the account
has none yet), so the code serves to set it up as well as to log in. Only for the demo's own
accounts with the published demo password: it never reads out a real user's code."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.demo import DEMO_PASSWORD, DEMO_USERS
from portal.security.two_factor import confirmed_device, current_code, pending_device, requires_two_factor


class Command(BaseCommand):
    help = "显示演示账号当前的二次验证码（仅限演示账号，用于试用）。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="演示账号的用户名，如 district_officer")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        demo_usernames = {spec.username for spec in DEMO_USERS}
        if user is None or username not in demo_usernames or not user.check_password(DEMO_PASSWORD):
            raise CommandError(f"{username} 不是使用演示密码的演示账号；本命令只用于试用演示数据。")
        if not requires_two_factor(user):
            self.stdout.write(f"{username} 登录后台无需二次验证。")
            return
        device = confirmed_device(user) or pending_device(user)
        self.stdout.write(f"{username} 当前的验证码：{current_code(device)}（每30秒更新，每个验证码只能使用一次）")
