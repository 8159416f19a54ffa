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
