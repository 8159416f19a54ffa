"""Forms of the venture-philanthropy back office: a call with its funding tiers, and the small
action forms of the call and project pages. They only shape input; every rule (dates in order,
tiers within the budget, amounts within what is left) is the services' (`federation.venture`),
whose refusals come back on these forms keyed by the same field names."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.models import Agency, Framework
from evaluation.selectors.campaigns import campaign_authorities_for_user
from evaluation.services.campaigns import REVIEW_FIELDS

from .models import ProjectReport, VentureCall, VentureProject
from .venture import CALL_FIELDS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"required": gettext_lazy("请填写日期。"), "invalid": gettext_lazy("请填写有效的日期，如 2026-03-01。")}
# The sheet offered first: the bundled venture-philanthropy scoring sheet.
DEFAULT_SHEET_CODE = "venture-100"


def _date(label):
    return forms.DateField(label=label, widget=DATE_WIDGET, error_messages=DATE_ERRORS)


def _call_field(name: str, **kwargs):
    """The call model's own field as a form field: its label, help text and validators."""
    return VentureCall._meta.get_field(name).formfield(**kwargs)


def latest_sheets(current: Framework | None = None):
    """The latest version of each framework, plus the call's current sheet (an older version
    stays choosable: projects already scored keep it)."""
    latest = Framework.objects.filter(code=OuterRef("code")).order_by("-version").values("version")[:1]
    condition = Q(version=Subquery(latest))
    if current is not None:
        condition |= Q(pk=current.pk)
    return Framework.objects.filter(condition).order_by("code", "-version")


class CallForm(forms.Form):
    """A call: its campaign's name, year and dates, the scoring sheet and the expert panel, then
    the call's own fields. The authority is chosen when the call is created and stays."""

    authority = forms.ModelChoiceField(
        label=gettext_lazy("主办单位"),
        queryset=None,
        empty_label="——",
        help_text=gettext_lazy("组织本期公益创投的民政部门。"),
        error_messages={"required": gettext_lazy("请选择主办单位。")},
    )
    name = forms.CharField(
        label=gettext_lazy("名称"), max_length=200, help_text=gettext_lazy("如：2026年度市南区公益创投。")
    )
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    applications_open_on = _date(gettext_lazy("申报开始日期"))
    applications_close_on = _date(gettext_lazy("申报截止日期"))
    scoring_closes_on = _date(gettext_lazy("专家评审截止日期"))
    sheet = forms.ModelChoiceField(
        label=gettext_lazy("评分表"),
        queryset=None,
        empty_label="——",
        help_text=gettext_lazy("专家评审使用的评分指标体系。"),
        error_messages={"required": gettext_lazy("请选择评分表。")},
    )
    panel = _call_field("panel", queryset=Agency.objects.order_by("name"), empty_label="——")
    guide = _call_field("guide", widget=forms.Textarea(attrs={"rows": 6}))
    budget = _call_field("budget")
    project_starts_on = _call_field("project_starts_on", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    project_ends_on = _call_field("project_ends_on", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    midterm_due_on = _call_field("midterm_due_on", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    final_due_on = _call_field("final_due_on", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    check_credit_lists = _call_field("check_credit_lists")
    check_annual_report = _call_field("check_annual_report")
    check_ban = _call_field("check_ban")
    ban_years = _call_field("ban_years")

    def __init__(self, *args, user, call: VentureCall | None = None, **kwargs):
        if call is not None:
            campaign = call.campaign
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(campaign, name) for name in REVIEW_FIELDS},
                    "sheet": campaign.frameworks.values_list("framework", flat=True).first(),
                    **{name: getattr(call, name) for name in CALL_FIELDS if name != "panel"},
                    "panel": call.panel_id,
                },
            )
        super().__init__(*args, **kwargs)
        current = None
        if call is not None:
            del self.fields["authority"]  # whose call it is does not change
            current = Framework.objects.filter(pk=self.initial.get("sheet")).first()
        else:
            authorities = campaign_authorities_for_user(user).order_by("path")
            self.fields["authority"].queryset = authorities
            if len(authorities) == 1:
                self.fields["authority"].initial = authorities[0].pk
        sheets = latest_sheets(current)
        self.fields["sheet"].queryset = sheets
        if call is None:
            self.fields["sheet"].initial = sheets.filter(code=DEFAULT_SHEET_CODE).values_list("pk", flat=True).first()
            self.fields["year"].initial = timezone.localdate().year


class TierForm(forms.Form):
    """One row of the tiers; a row left blank is ignored."""

    name = forms.CharField(label=gettext_lazy("档次"), max_length=50, required=False)
    max_amount = forms.DecimalField(
        label=gettext_lazy("资助上限（元）"), max_digits=12, decimal_places=2, min_value=1, required=False
    )
    places = forms.IntegerField(
        label=gettext_lazy("资助名额"),
        min_value=1,
        max_value=32767,
        required=False,
        help_text=gettext_lazy("留空表示不限。"),
    )

    def is_blank(self) -> bool:
        return not any(str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields)

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        if "name" not in self.errors and not (data.get("name") or "").strip():
            self.add_error("name", _("请填写档次名称。"))
        if "max_amount" not in self.errors and data.get("max_amount") is None:
            self.add_error("max_amount", _("请填写资助上限。"))
        return data


class BaseTierFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows as the service takes them."""
        return [
            {
                "name": form.cleaned_data["name"].strip(),
                "max_amount": form.cleaned_data["max_amount"],
                "places": form.cleaned_data.get("places"),
            }
            for form in self.forms
            if not form.is_blank()
        ]


TierFormSet = forms.formset_factory(TierForm, formset=BaseTierFormSet, extra=3)
TIERS_PREFIX = "tiers"


def tier_formset(data=None, call: VentureCall | None = None) -> BaseTierFormSet:
    initial = None
    if call is not None and data is None:
        initial = [
            {"name": tier.name, "max_amount": tier.max_amount, "places": tier.places} for tier in call.tiers.all()
        ]
    return TierFormSet(data, initial=initial, prefix=TIERS_PREFIX)


# --- The action forms -----------------------------------------------------------------------------


class DecisionForm(forms.Form):
    """Fund a moderated project with an amount, or decline it with a reason."""

    FUND, DECLINE = "fund", "decline"

    decision = forms.ChoiceField(
        label=gettext_lazy("资助决定"),
        choices=[(FUND, gettext_lazy("立项资助")), (DECLINE, gettext_lazy("不予资助"))],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择立项资助或不予资助。")},
    )
    # A number field: Django's own messages refuse words and more digits than the column holds.
    amount = forms.DecimalField(
        label=gettext_lazy("资助金额（元）"), max_digits=12, decimal_places=2, required=False, localize=False
    )
    reason = forms.CharField(
        label=gettext_lazy("理由或说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("不予资助时必填。"),
    )

    def __init__(self, *args, project: VentureProject, **kwargs):
        kwargs.setdefault("initial", {"amount": project.amount_requested})
        super().__init__(*args, prefix=f"decide-{project.pk}", **kwargs)
        self.project = project


class ReviewReportForm(forms.Form):
    """Accept a report, or return it with an opinion."""

    ACCEPT, RETURN = "accept", "return"

    result = forms.ChoiceField(
        label=gettext_lazy("审核结果"),
        choices=[(ACCEPT, gettext_lazy("通过")), (RETURN, gettext_lazy("退回修改"))],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择通过或退回修改。")},
    )
    opinion = forms.CharField(
        label=gettext_lazy("审核意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("退回修改时必填。"),
    )

    def __init__(self, *args, report: ProjectReport, **kwargs):
        super().__init__(*args, prefix=f"review-{report.pk}", **kwargs)
        self.report = report


class StopFundingForm(forms.Form):
    paid_amount = forms.CharField(
        label=gettext_lazy("已拨付金额（元）"),
        max_length=20,
        help_text=gettext_lazy("终止后只有已拨付的部分计入本期预算。"),
        error_messages={"required": gettext_lazy("请填写已拨付金额。")},
    )
    reason = forms.CharField(label=gettext_lazy("终止理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="stop", **kwargs)


def split_tier_errors(error: ValidationError) -> tuple[list[str], ValidationError | None]:
    """A service's refusal of a call: the messages about the tiers (shown above the rows), and
    the rest (shown on the call's form), None when there is no rest."""
    if not hasattr(error, "error_dict") or "tiers" not in error.error_dict:
        return [], error
    tiers = [message for item in error.error_dict["tiers"] for message in item.messages]
    rest = {field: errors for field, errors in error.error_dict.items() if field != "tiers"}
    return tiers, (ValidationError(rest) if rest else None)
