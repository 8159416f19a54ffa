from django.db import models
from django.utils.translation import gettext_lazy as _


class CouncilRole(models.TextChoices):
    PRESIDENT = "president", _("会长")
    VICE_PRESIDENT = "vice_president", _("副会长")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")


# Roles held by one member organization at a time; vice-presidents may be several.
SINGLE_SEAT_ROLES = (CouncilRole.PRESIDENT, CouncilRole.SECRETARY_GENERAL)


class IncubationStage(models.TextChoices):
    APPLIED = "applied", _("已申请")
    INCUBATING = "incubating", _("孵化中")
    GRADUATED = "graduated", _("已出壳")
    WITHDRAWN = "withdrawn", _("已退出")


class IncubationServiceKind(models.TextChoices):
    SPACE = "space", _("场地")
    TRAINING = "training", _("培训")
    COACHING = "coaching", _("项目辅导")


class ProjectState(models.TextChoices):
    """A venture-philanthropy project, from its draft to the end of its funding."""

    DRAFT = "draft", _("填写中")
    SUBMITTED = "submitted", _("已申报")
    IN_REVIEW = "in_review", _("专家评审中")
    FUNDED = "funded", _("已立项资助")
    NOT_FUNDED = "not_funded", _("未获资助")
    COMPLETED = "completed", _("已结项")
    STOPPED = "stopped", _("已终止资助")
    WITHDRAWN = "withdrawn", _("已撤回")


class ProjectReportKind(models.TextChoices):
    MIDTERM = "midterm", _("中期报告")
    FINAL = "final", _("结项报告")


class ProjectReportResult(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("通过")
    RETURNED = "returned", _("退回修改")


class VentureRule(models.TextChoices):
    CREDIT_LISTS = "credit_lists", _("未列入信用名录")
    ANNUAL_REPORT = "annual_report", _("无逾期未报的年度报告")
    BAN = "ban", _("规定年限内未受处罚或被终止创投资助")
