"""`manage.py reset_two_factor USERNAME`: forget a user's authenticator (a lost or replaced phone);
at the next login the user sets up a new one."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.security.two_factor import remove_devices


class Command(BaseCommand):
    help = "解除用户绑定的身份验证器（手机丢失或更换时）；该用户下次登录后台时重新绑定。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户 {username}。")
        removed = remove_devices(user)
        self.stdout.write(f"已解除 {username} 的身份验证器 {removed} 个。")
