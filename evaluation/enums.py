from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyRole(models.TextChoices):
    MANAGER = "agency_manager", _("评估机构负责人")
    ASSESSOR = "assessor", _("评估专家")
