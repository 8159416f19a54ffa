"""Forms of the applicant's area on the public site: signing up, logging in, filing a community group."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.enums import MaterialKind, UnitLevel
from registry.models import AdministrativeUnit


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


# The facts a community-group filing proposes, in the order the form shows them.
FILING_FIELDS = ["name", "community", "address", "legal_representative", "business_scope", "founded_on"]
# What a draft may leave empty; submitting needs them all.
REQUIRED_TO_SUBMIT = ["name", "community", "address", "legal_representative"]


class FilingForm(forms.Form):
    """社区社会组织备案. With `for_draft`, only the street is required: a draft keeps whatever was typed,
    and `registry.services.applications` checks the facts again on submission."""

    name = forms.CharField(label=_("组织名称"), max_length=200)
    street = forms.ModelChoiceField(
        label=_("所在街道"), queryset=AdministrativeUnit.objects.none(), empty_label=_("请选择街道")
    )
    community = forms.TypedChoiceField(label=_("所在社区"), coerce=int, empty_value=None)
    address = forms.CharField(label=_("活动场所地址"), max_length=300)
    legal_representative = forms.CharField(label=_("负责人"), max_length=50)
    business_scope = forms.CharField(label=_("业务范围"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    founded_on = forms.DateField(
        label=_("成立日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("可不填；格式如 2026-03-01。"),
    )

    def __init__(self, *args, for_draft: bool = False, street: AdministrativeUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        streets = AdministrativeUnit.objects.filter(level=UnitLevel.STREET).order_by("code")
        self.fields["street"].queryset = streets
        communities = AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNITY).order_by("code")
        by_street = {unit.pk: (unit.name, []) for unit in streets}
        self._communities = {}
        for community in communities:
            self._communities[community.pk] = community
            for street_unit in streets:
                if community.path.startswith(street_unit.path):
                    by_street[street_unit.pk][1].append((community.pk, community.name))
        self.fields["community"].choices = [("", _("请选择社区"))] + [
            (street_name, options) for street_name, options in by_street.values() if options
        ]
        if street is not None:
            # An application's street is fixed once it is opened (it routes the application).
            self.fields["street"].initial = street
            self.fields["street"].disabled = True
            self.fields["street"].help_text = _("街道在申请创建后不能更改；如需更改，请撤回后重新申请。")
        if for_draft:
            for name in REQUIRED_TO_SUBMIT:
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        street, community_pk = cleaned.get("street"), cleaned.get("community")
        if street and community_pk:
            community = self._communities.get(community_pk)
            if community is None or not community.path.startswith(street.path):
                self.add_error(
                    "community",
                    _("所选社区不属于%(street)s，请重新选择。") % {"street": street.name},
                )
        return cleaned

    def proposed(self) -> dict[str, Any]:
        """The facts to keep in the draft, JSON-serializable: what validated, and for the rest what
        was typed where it can be kept (text as typed, a community only when it exists)."""
        facts: dict[str, Any] = {}
        cleaned = getattr(self, "cleaned_data", {})
        for name in FILING_FIELDS:
            if name in cleaned:
                value = cleaned[name]
                if name == "founded_on":
                    value = value.isoformat() if value else None
                facts[name] = value
                continue
            raw = self.data.get(name, "")
            if name == "community":
                try:
                    pk = int(raw)
                except (TypeError, ValueError):
                    pk = None
                facts[name] = pk if pk in self._communities else None
            elif name != "founded_on":
                facts[name] = raw
        return facts

    @classmethod
    def initial_from(cls, proposed: dict[str, Any]) -> dict[str, Any]:
        return {name: proposed.get(name) for name in FILING_FIELDS if proposed.get(name) not in (None, "")}


class MaterialForm(forms.Form):
    """One document for an application; its content is checked by the service."""

    kind = forms.ChoiceField(label=_("材料类型"), choices=MaterialKind.choices)
    file = forms.FileField(label=_("文件（PDF、JPEG、PNG或XLSX，10 MB以内）"))


class ClaimForm(forms.Form):
    """Claim an existing organization by its credit code or filing number."""

    identifier = forms.CharField(label=_("统一社会信用代码或备案编号"), max_length=40)
    statement = forms.CharField(
        label=_("说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：本人为该组织法定代表人或其授权的工作人员。"),
    )
