from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyRole(models.TextChoices):
    MANAGER = "agency_manager", _("评估机构负责人")
    ASSESSOR = "assessor", _("评估专家")


class Grade(models.TextChoices):
    """Evaluation grades, best first. Compare them with `grade_rank`, never as strings."""

    A5 = "5A", "5A"
    A4 = "4A", "4A"
    A3 = "3A", "3A"
    A2 = "2A", "2A"
    A1 = "1A", "1A"


def grade_rank(grade: str) -> int:
    """5 for 5A … 1 for 1A; 0 for no grade (an empty string)."""
    return int(grade[0]) if grade else 0


class ValidityRule(models.TextChoices):
    # From 2026-03-01: 1 January after the announcement to 31 December of the fifth year.
    CALENDAR_YEARS = "calendar_years", _("公告次年1月1日起至第5年12月31日（2026年3月1日起）")
    # Before: five years from the award date.
    FROM_AWARD = "from_award", _("自授予之日起5年（旧规则）")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("平均值")
    MEDIAN = "median", _("中位数")


class EligibilityRule(models.TextChoices):
    YEARS_REGISTERED = "years_registered", _("登记满规定年限")
    ANNUAL_REPORT = "annual_report", _("上年度年度报告已报送且合格")
    CREDIT_LISTS = "credit_lists", _("未列入信用名录")
    PENALTIES = "penalties", _("规定年限内无行政处罚")
    GRADE_STATUS = "grade_status", _("未评估、等级已过期或在重新申请期内")


class CampaignPurpose(models.TextChoices):
    EVALUATION = "evaluation", _("等级评估")
    # Expert review of venture-philanthropy projects (federation app): the same scoring and
    # moderation, with no eligibility phase, committee, notice or grade.
    VENTURE = "venture", _("公益创投项目评审")


class CaseState(models.TextChoices):
    DRAFT = "draft", _("填写中")
    APPLIED = "applied", _("已申请")
    INELIGIBLE = "ineligible", _("不符合条件")
    ELIGIBLE = "eligible", _("待分配")
    ALLOCATED = "allocated", _("已分配评估机构")
    SCORING = "scoring", _("评分中")
    MODERATION = "moderation", _("复核汇总中")
    MODERATED = "moderated", _("待评估委员会审定")
    DECIDED = "decided", _("已审定")
    IN_NOTICE = "in_notice", _("公示中")
    FINAL = "final", _("已确定等级")
    WITHDRAWN = "withdrawn", _("已撤回")
    # Stopped by the campaign's officer (e.g. the organization was deregistered): out of the
    # notice and never graded, like a withdrawn case.
    CLOSED = "closed", _("已终止评估")


class CaseAction(models.TextChoices):
    SUBMIT = "submit", _("提交申请")
    WITHDRAW = "withdraw", _("撤回")
    CONFIRM_ELIGIBLE = "confirm_eligible", _("确认符合条件")
    REFUSE = "refuse", _("确认不符合条件")
    ALLOCATE = "allocate", _("分配评估机构")
    OPEN_REVIEW = "open_review", _("提交专家评审")
    ASSIGN = "assign", _("指派评估专家")
    COMPLETE_SCORING = "complete_scoring", _("完成评分")
    REOPEN = "reopen", _("退回重新评分")
    MODERATE = "moderate", _("完成复核汇总")
    DECIDE = "decide", _("评估委员会审定")
    PUBLISH = "publish", _("公示")
    FINALIZE = "finalize", _("确定等级")
    CLOSE = "close", _("终止评估")


class Vote(models.TextChoices):
    YES = "yes", _("同意")
    NO = "no", _("不同意")
    ABSTAIN = "abstain", _("弃权")


class AppealKind(models.TextChoices):
    APPEAL = "appeal", _("复核申请")  # by the organization, from its area
    COMPLAINT = "complaint", _("投诉")  # by anyone


class AppealState(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("成立")
    DISMISSED = "dismissed", _("不成立")


class GradeStatus(models.TextChoices):
    # Expiry is not a status: a grade is expired when today is past `valid_until`.
    # A downgrade lowers `grade` in place (the GradeChange keeps the old one); the row stays valid.
    VALID = "valid", _("有效")
    CANCELLED = "cancelled", _("已取消")


class GradeChangeKind(models.TextChoices):
    DOWNGRADE = "downgrade", _("降低等级")
    CANCEL = "cancel", _("取消等级")


class ReviewCause(models.TextChoices):
    ANNUAL_REPORT_FAIL = "annual_report_fail", _("年度报告不合格")
    TWO_BASIC_PASSES = "two_basic_passes", _("连续两年年度报告基本合格")
    PENALTY = "penalty", _("受到行政处罚")
    CREDIT_LISTING = "credit_listing", _("列入信用名录")
