"""The federation's audited actions (audit.actions), registered at start-up by FederationConfig.
Pre-review of applications is the registry's (`application.pre_review`)."""

from django.utils.translation import gettext_lazy as _

from audit.actions import actions_from_choices

from .enums import IncubationStage, ProjectState

AUDIT_ACTIONS = {
    **actions_from_choices("venture", _("公益创投项目"), ProjectState),
    **actions_from_choices("incubation", _("孵化"), IncubationStage),
    "membership.admit": _("办理入会"),
    "membership.end": _("办理退会"),
}
