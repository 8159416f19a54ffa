"""Venture philanthropy (公益创投, DESIGN.md section 8): the district's yearly call with its budget
and funding tiers, the projects organizations submit, and their mid-term and final reports.

A call's name, year and dates are those of the evaluation campaign behind it (purpose venture):
its experts score the projects with the evaluation app's scoring and moderation, each project
being one evaluation case of its organization. The funding decision and everything after it
belong here (`federation.venture`).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..enums import ProjectReportKind, ProjectReportResult, ProjectState

MONEY = {"max_digits": 12, "decimal_places": 2}
# The states in which a project holds a grant (counted against the call's budget).
GRANTED_STATES = (ProjectState.FUNDED, ProjectState.COMPLETED, ProjectState.STOPPED)


class VentureCall(models.Model):
    campaign = models.OneToOneField(
        "evaluation.Campaign", on_delete=models.PROTECT, related_name="venture_call", verbose_name=_("评审活动")
    )
    panel = models.ForeignKey(
        "evaluation.Agency",
        on_delete=models.PROTECT,
        related_name="venture_calls",
        verbose_name=_("评审专家所属机构"),
        help_text=_("由该机构的负责人指派评审专家，专家用评估评分功能评分。"),
    )
    guide = models.TextField(_("申报指南"), help_text=_("资助方向、申报对象和要求。"))
    budget = models.DecimalField(_("资助总预算（元）"), **MONEY, validators=[MinValueValidator(1)])
    project_starts_on = models.DateField(_("项目实施开始日期"))
    project_ends_on = models.DateField(_("项目实施结束日期"))
    midterm_due_on = models.DateField(_("中期报告截止日期"))
    final_due_on = models.DateField(_("结项报告截止日期"))
    check_credit_lists = models.BooleanField(_("检查信用名录"), default=True)
    check_annual_report = models.BooleanField(_("检查逾期未报年度报告"), default=True)
    check_ban = models.BooleanField(_("检查处罚和终止资助记录"), default=True)
    ban_years = models.PositiveSmallIntegerField(
        _("处罚和终止资助的追溯年限"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("近几年内受到行政处罚或被终止公益创投资助的组织不能申报。"),
    )
    results_published_at = models.DateTimeField(_("结果公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公益创投活动")
        verbose_name_plural = _("公益创投活动")
        ordering = ["-campaign__year", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="venture_call_budget_positive"),
            models.CheckConstraint(
                condition=Q(project_ends_on__gte=F("project_starts_on"))
                & Q(midterm_due_on__gte=F("project_starts_on"))
                & Q(final_due_on__gte=F("midterm_due_on")),
                name="venture_call_dates_in_order",
                violation_error_message=_("日期顺序有误：实施开始 ≤ 中期报告截止 ≤ 结项报告截止，实施结束不早于开始。"),
            ),
        ]

    def __str__(self):
        return self.campaign.name

    @property
    def name(self) -> str:
        return self.campaign.name


class VentureTier(models.Model):
    """A funding tier (资助档次): the most a project of the tier may get, and how many places."""

    call = models.ForeignKey(VentureCall, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("档次"), max_length=50, help_text=_("如：重点项目、一般项目。"))
    max_amount = models.DecimalField(_("资助上限（元）"), **MONEY, validators=[MinValueValidator(1)])
    places = models.PositiveSmallIntegerField(
        _("资助名额"), null=True, blank=True, validators=[MinValueValidator(1)], help_text=_("留空表示不限。")
    )

    class Meta:
        verbose_name = _("资助档次")
        verbose_name_plural = _("资助档次")
        ordering = ["call", "-max_amount", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="venture_tier_name_unique"),
            models.CheckConstraint(condition=Q(max_amount__gt=0), name="venture_tier_amount_positive"),
        ]

    def __str__(self):
        return f"{self.name}（{self.max_amount:,.0f}元以内）"


class VentureProject(models.Model):
    """A project an organization submits to a call; one per organization and call (as its
    review case is). The state changes only through `federation.venture`. A draft may leave the
    texts blank; submitting needs them all (`SUBMISSION_FIELDS`)."""

    call = models.ForeignKey(VentureCall, on_delete=models.PROTECT, related_name="projects")
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="venture_projects", verbose_name=_("申报组织")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申报人")
    )
    tier = models.ForeignKey(VentureTier, on_delete=models.PROTECT, related_name="projects", verbose_name=_("申报档次"))
    title = models.CharField(_("项目名称"), max_length=200)
    need = models.TextField(_("需求分析"), blank=True, help_text=_("服务对象、要解决的问题及其依据。"))
    plan = models.TextField(_("实施计划"), blank=True, help_text=_("主要活动、时间安排和人员分工。"))
    budget_plan = models.TextField(_("预算明细"), blank=True, help_text=_("各项支出及其测算。"))
    amount_requested = models.DecimalField(_("申请资助金额（元）"), **MONEY, validators=[MinValueValidator(1)])
    outcomes = models.TextField(_("预期成效"), blank=True, help_text=_("可衡量的产出和成效。"))
    state = models.CharField(
        _("状态"), max_length=16, choices=ProjectState.choices, default=ProjectState.DRAFT, db_index=True
    )
    case = models.OneToOneField(
        "evaluation.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venture_project",
        verbose_name=_("专家评审"),
    )
    eligibility = models.JSONField(
        _("资格检查"), default=list, blank=True, help_text=_("最近一次检查的结果：条件、是否符合、说明。")
    )
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    granted_amount = models.DecimalField(_("资助金额（元）"), **MONEY, null=True, blank=True)
    paid_amount = models.DecimalField(
        _("终止时已拨付金额（元）"), **MONEY, null=True, blank=True, help_text=_("终止资助后只计入已拨付的部分。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_action_at = models.DateTimeField(_("最近办理时间"), auto_now=True)

    class Meta:
        verbose_name = _("公益创投项目")
        verbose_name_plural = _("公益创投项目")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organization"],
                name="venture_project_one_per_call",
                violation_error_message=_("每个组织每期公益创投只能申报一个项目。"),
            ),
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="venture_project_request_positive"),
            models.CheckConstraint(
                condition=(Q(granted_amount__isnull=True) & ~Q(state__in=GRANTED_STATES))
                | Q(granted_amount__gt=0, state__in=GRANTED_STATES),
                name="venture_project_grant_matches_state",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True)
                | (Q(state=ProjectState.STOPPED, paid_amount__gte=0) & Q(paid_amount__lte=F("granted_amount"))),
                name="venture_project_paid_within_grant",
            ),
        ]

    def __str__(self):
        return self.title


class ProjectEvent(models.Model):
    """One step of a project's timeline: who did what, when and why. Written once."""

    project = models.ForeignKey(VentureProject, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(_("原状态"), max_length=16, choices=ProjectState.choices)
    to_state = models.CharField(_("新状态"), max_length=16, choices=ProjectState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人")
    )
    reason = models.TextField(_("理由或意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公益创投项目办理记录")
        verbose_name_plural = _("公益创投项目办理记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.project} · {self.get_to_state_display()}"


class ProjectReport(models.Model):
    """A funded project's mid-term or final report and the officer's review of it. A returned
    report is corrected and filed again in the same row."""

    project = models.ForeignKey(VentureProject, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("报告类型"), max_length=16, choices=ProjectReportKind.choices)
    progress = models.TextField(_("实施进展"))
    results = models.TextField(_("取得成效"))
    people_served = models.PositiveIntegerField(_("服务人次"))
    spent_amount = models.DecimalField(_("已使用资金（元）"), **MONEY, validators=[MinValueValidator(0)])
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("报送人")
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    result = models.CharField(
        _("审核结果"), max_length=16, choices=ProjectReportResult.choices, default=ProjectReportResult.PENDING
    )
    opinion = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公益创投项目报告")
        verbose_name_plural = _("公益创投项目报告")
        ordering = ["project", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="venture_report_one_per_kind"),
            models.CheckConstraint(condition=Q(spent_amount__gte=0), name="venture_report_spent_not_negative"),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_kind_display()}"
