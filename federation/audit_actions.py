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
    "council.appoint": _("任命理事会职务"),
    "council.end": _("办理理事会职务离任"),
    "support_centre.open": _("设立社会组织服务中心"),
    "support_centre.change": _("修改社会组织服务中心信息"),
    "venture_call.create": _("发布公益创投"),
    "venture_call.change": _("修改公益创投"),
    "venture_call.open_review": _("提交公益创投专家评审"),
    "venture_call.publish_results": _("公布公益创投结果"),
}
