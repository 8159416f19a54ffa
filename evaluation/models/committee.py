from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import Grade, Vote


class Meeting(models.Model):
    """A committee meeting of a campaign. It may decide only with two thirds of all members present."""

    campaign = models.ForeignKey(
        "evaluation.Campaign", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("评估活动")
    )
    held_on = models.DateField(_("会议日期"))
    attendees = models.ManyToManyField(
        "evaluation.CommitteeMember", related_name="meetings_attended", verbose_name=_("出席委员")
    )
    members_total = models.PositiveSmallIntegerField(
        _("委员总数"), help_text=_("会议时委员会的全体委员人数，法定人数和表决均以此计算。")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("会议纪要"), blank=True)

    class Meta:
        verbose_name = _("评估委员会会议")
        verbose_name_plural = _("评估委员会会议")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.campaign} · {self.held_on}"


class CaseDecision(models.Model):
    """The committee's vote on a case's grade (or on an appeal) at a meeting. A grade passes with
    yes votes from more than half of all members, not only of those present."""

    case = models.ForeignKey("evaluation.Case", on_delete=models.PROTECT, related_name="decisions")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    appeal = models.ForeignKey(
        "evaluation.Appeal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("复核或投诉"),
    )
    grade = models.CharField(
        _("表决等级"), max_length=2, choices=Grade.choices, blank=True, help_text=_("留空表示不予评定等级。")
    )
    passed = models.BooleanField(_("通过"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审定表决")
        verbose_name_plural = _("审定表决")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.case} · {self.grade or '—'}"


class CaseVote(models.Model):
    """One member's vote in a decision."""

    decision = models.ForeignKey(CaseDecision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey("evaluation.CommitteeMember", on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(_("表决意见"), max_length=8, choices=Vote.choices)

    class Meta:
        verbose_name = _("委员表决")
        verbose_name_plural = _("委员表决")
        constraints = [models.UniqueConstraint(fields=["decision", "member"], name="case_vote_once")]

    def __str__(self):
        return f"{self.member} · {self.get_vote_display()}"
