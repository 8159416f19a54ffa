"""Password validators (AUTH_PASSWORD_VALIDATORS) whose messages Django's own catalogue misses."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its refusal in our catalogue: Django 5.2's Chinese catalogue has no translation
    for this version's wording, so it came out in English."""

    def get_error_message(self):
        return _("密码长度太短。密码必须包含至少 %(min_length)d 个字符。") % {"min_length": self.min_length}
