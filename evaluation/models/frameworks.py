from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import Grade

POINTS = {"max_digits": 6, "decimal_places": 1}


class Framework(models.Model):
    """A versioned indicator framework (评估指标体系) with its scale and grade bands.

    A framework used by a campaign is frozen: `evaluation.services.frameworks` refuses to change
    it and copies it into a new version instead.
    """

    code = models.SlugField(_("代码"), max_length=50)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=200)
    scale = models.DecimalField(_("总分"), **POINTS, validators=[MinValueValidator(1)])
    applies_to = models.JSONField(_("适用组织类型"), default=list, help_text=_("组织类型代码的列表。"))
    self_assessment_min_grade = models.CharField(
        _("自评最低等级"),
        max_length=2,
        choices=Grade.choices,
        blank=True,
        help_text=_("自评未达到此等级的组织不能申请；留空则不限。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
        help_text=_("导入、新建或复制这一版本的人；为空表示由命令导入。"),
    )

    class Meta:
        verbose_name = _("评估指标体系")
        verbose_name_plural = _("评估指标体系")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="framework_code_version_unique")]

    def __str__(self):
        return f"{self.name}（第{self.version}版）"


class GradeBand(models.Model):
    """The lowest total that earns a grade: inclusive (≥) or exclusive (>)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="bands", verbose_name=_("指标体系"))
    grade = models.CharField(_("等级"), max_length=2, choices=Grade.choices)
    min_score = models.DecimalField(_("分数下限"), **POINTS)
    inclusive = models.BooleanField(_("含下限"), default=True, help_text=_("勾选表示“不低于”，不勾选表示“高于”。"))

    class Meta:
        verbose_name = _("等级分数线")
        verbose_name_plural = _("等级分数线")
        ordering = ["framework", "-min_score"]
        constraints = [models.UniqueConstraint(fields=["framework", "grade"], name="grade_band_unique")]

    def __str__(self):
        return f"{self.grade} {'≥' if self.inclusive else '>'} {self.min_score}"


class Indicator(models.Model):
    """One indicator of a framework, at level 1 to 3. A parent's maximum is its children's sum;
    only leaves (indicators without children) are scored."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("指标体系")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("上级指标")
    )
    code = models.CharField(_("编号"), max_length=20, help_text=_("如 1、1.2、1.2.3。"))
    level = models.PositiveSmallIntegerField(_("级别"))
    position = models.PositiveIntegerField(_("顺序"), default=0)
    name = models.CharField(_("名称"), max_length=200)
    name_by_kind = models.JSONField(
        _("按组织类型的名称"), default=dict, blank=True, help_text=_("某类组织使用不同名称时填写，如民办非企业单位。")
    )
    max_points = models.DecimalField(_("分值"), **POINTS, validators=[MinValueValidator(0)])
    guidance = models.TextField(_("评分说明"), blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)
    veto_caps_grade = models.CharField(
        _("否决项：最高等级"),
        max_length=2,
        choices=Grade.choices,
        blank=True,
        help_text=_("该项得0分时，等级最高只能为此等级。"),
    )

    class Meta:
        verbose_name = _("评估指标")
        verbose_name_plural = _("评估指标")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3), name="indicator_level_1_to_3"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def name_for(self, kind: str) -> str:
        return self.name_by_kind.get(kind, self.name)
