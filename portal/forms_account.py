"""Forms of the applicant's account on the public site: signing up, logging in, documents, claims.
The application forms themselves are steps, in `portal.application_steps`."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.enums import MaterialKind


class LoginForm(AuthenticationForm):
    """Applicants sign in with the e-mail they signed up with (it is their username)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("电子邮箱或用户名")


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("电子邮箱"), max_length=150)
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
            user = get_user_model()(username=cleaned["email"], email=cleaned["email"])
            try:
                validate_password(password1, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MaterialForm(forms.Form):
    """One document for an application, of a kind the application needs; its content is checked
    by the service."""

    kind = forms.ChoiceField(label=_("材料类型"))
    file = forms.FileField(label=_("文件（PDF、JPEG、PNG或XLSX，10 MB以内）"))

    def __init__(self, *args, kinds: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, MaterialKind(kind).label) for kind in kinds]


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label=_("注册时使用的电子邮箱"), max_length=150)


class ClaimForm(forms.Form):
    """Claim an existing organization by its credit code or filing number."""

    identifier = forms.CharField(label=_("统一社会信用代码或备案编号"), max_length=40)
    statement = forms.CharField(
        label=_("说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：本人为该组织法定代表人或其授权的工作人员。"),
    )
