"""The registry's audited actions (audit.actions), registered at start-up by RegistryConfig."""

from django.utils.translation import gettext_lazy as _

from audit.actions import actions_from_choices

from .enums import ApplicationAction

AUDIT_ACTIONS = {
    **actions_from_choices("application", _("申请"), ApplicationAction),
    "application.material_remove": _("删除申请材料"),
    "organization.create": _("登记组织"),
    "organization.change": _("变更组织信息"),
    "credit.list": _("列入信用名录"),
    "credit.remove": _("移出信用名录"),
    "penalty.record": _("作出行政处罚"),
    "penalty.correct": _("更正行政处罚"),
    "annual_report.submit": _("报送年度报告"),
    "annual_report.result": _("年度报告检查结果"),
    "claim.approve": _("同意认领组织"),
    "claim.reject": _("不同意认领组织"),
    "account.link": _("关联组织账号"),
    "role.grant": _("授予单位角色"),
    "role.change": _("变更单位角色"),
    "role.revoke": _("撤销单位角色"),
    "unit.add": _("新增行政区划"),
    "unit.rename": _("更名行政区划"),
    "supervision.record": _("记录监督情况"),
    "supervision.follow_up": _("处理监督记录"),
    "credit.propose": _("提出拟列入活动异常名录建议"),
    "credit.proposal_confirm": _("确认列入活动异常名录"),
    "credit.proposal_dismiss": _("不予列入活动异常名录"),
    "annual_report.save_draft": _("保存年度报告草稿"),
    "annual_report.return": _("退回年度报告补正"),
}
