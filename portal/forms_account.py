"""Forms of the applicant's account on the public site: signing up, logging in, documents, claims.
The application forms themselves are steps, in `portal.application_steps`."""

import hashlib
import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.enums import MaterialKind

# As long as the user model's e-mail field: every address Django's EmailValidator accepts up to it.
EMAIL_MAX_LENGTH = 254
# What Django's username validator refuses (it accepts letters, digits and . @ + - _ only).
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")


def username_for_email(email: str) -> str:
    """The username of a new account signing up with `email` (already lower-cased).

    The address itself when Django's username validator and length accept it, as for every account
    made so far. Otherwise (o'neil@…, a!b@…, x@[127.0.0.1], or longer than a username may be) the
    address with each refused character replaced by "_", shortened to fit, followed by a digest of
    the whole address, so that two addresses never share it. Applicants log in with their e-mail
    (`LoginForm`), so they never need to know it."""
    User = get_user_model()
    max_length = User._meta.get_field("username").max_length
    if len(email) <= max_length:
        try:
            User.username_validator(email)
        except ValidationError:
            pass
        else:
            return email
    digest = hashlib.sha256(email.encode()).hexdigest()[:12]
    readable = _NOT_IN_USERNAME.sub("_", email)[: max_length - len(digest) - 1]
    return f"{readable}-{digest}"


def username_for_login(typed: str) -> str:
    """The username to authenticate for what was typed at login: a username as it is (officers');
    otherwise the one account whose e-mail it is, whatever its case, or whose username it is
    whatever its case (the address was that account's username). Anything else stays as typed,
    and fails as a wrong username would."""
    User = get_user_model()
    if User.objects.filter(username=typed).exists():
        return typed
    if "@" in typed:
        for lookup in ("email__iexact", "username__iexact"):
            found = list(User.objects.filter(**{lookup: typed}).values_list("username", flat=True)[:2])
            if len(found) == 1:
                return found[0]
    return typed


class LoginForm(AuthenticationForm):
    """Applicants sign in with the e-mail they signed up with, in any case; officers with their
    username. Failed logins count (django-axes) under the account's username, so that every
    spelling of one address counts towards one lockout."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("电子邮箱或用户名")

    def clean(self):
        typed = self.cleaned_data.get("username")
        if typed:
            self.cleaned_data["username"] = username_for_login(typed)
        return super().clean()


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("电子邮箱"), max_length=EMAIL_MAX_LENGTH)
    password1 = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        User = get_user_model()
        if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("该电子邮箱已注册。"))
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif password1 and cleaned.get("email"):
            # Validators such as "too similar to the e-mail" need the would-be user.
            user = get_user_model()(username=username_for_email(cleaned["email"]), email=cleaned["email"])
            try:
                validate_password(password1, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MaterialForm(forms.Form):
    """One document for an application, of a kind the application needs; its content is checked
    by the service."""

    kind = forms.ChoiceField(label=_("材料类型"))
    file = forms.FileField(label=_("文件（PDF、JPEG或PNG，成员名单也可为XLSX；10 MB以内）"))

    def __init__(self, *args, kinds: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, MaterialKind(kind).label) for kind in kinds]


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label=_("注册时使用的电子邮箱"), max_length=EMAIL_MAX_LENGTH)


class ClaimForm(forms.Form):
    """Claim an existing organization by its credit code or filing number."""

    identifier = forms.CharField(label=_("统一社会信用代码或备案编号"), max_length=40)
    statement = forms.CharField(
        label=_("说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：本人为该组织法定代表人或其授权的工作人员。"),
    )
