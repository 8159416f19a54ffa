"""Evaluation's audited actions (audit.actions), registered at start-up by EvaluationConfig."""

from django.utils.translation import gettext_lazy as _

from audit.actions import actions_from_choices

from .enums import CaseAction, GradeChangeKind

AUDIT_ACTIONS = {
    **actions_from_choices("case", _("评估申请"), CaseAction),
    **actions_from_choices("grade", _("等级"), GradeChangeKind),
    "eligibility.override": _("认定符合申报条件"),
    "assignment.team": _("指派评估专家组"),
    "scores.submit": _("提交评分"),
    "scores.reopen": _("退回评分"),
    "moderation.reconcile": _("协调指标得分"),
    "committee.decision": _("评估委员会表决"),
    "notice.publish": _("发布评估结果公示"),
    "appeal.lodge": _("提出复核申请"),
    "appeal.complaint": _("提出投诉"),
    "appeal.decide": _("处理复核申请或投诉"),
    "grade.award": _("确定评估等级"),
    "grade.resolve_review": _("处理等级复查提示"),
    "grade.record_return": _("登记证书牌匾交回"),
    "certificate.issue": _("颁发评估证书"),
    "certificate.revoke": _("撤销评估证书"),
    "campaign.create": _("创建评估活动"),
    "campaign.change": _("修改评估活动"),
    "campaign.delete": _("删除评估活动"),
    "agency_member.add": _("添加评估机构人员"),
    "agency_member.change": _("变更评估机构人员"),
    "agency_member.remove": _("移除评估机构人员"),
    "committee_member.add": _("添加评估委员会委员"),
    "committee_member.remove": _("移除评估委员会委员"),
    "evidence.attach": _("上传佐证材料"),
    "evidence.remove": _("删除佐证材料"),
}
