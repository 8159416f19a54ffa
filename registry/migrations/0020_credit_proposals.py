import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Listings the daily review proposes for an officer's decision (CreditProposal), and the
    period of a suspension of activities on an administrative penalty."""

    dependencies = [
        ("registry", "0019_annual_report_workflow"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CreditProposal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "cause",
                    models.CharField(
                        choices=[
                            ("missed_annual_report", "未按规定报送年度工作报告"),
                            ("unreachable", "通过登记的住所无法联系"),
                            ("not_corrected", "未按期改正"),
                            ("moved_from_abnormal", "列入活动异常名录满2年"),
                            ("other", "其他"),
                        ],
                        max_length=32,
                        verbose_name="拟列入事由",
                    ),
                ),
                ("details", models.TextField(blank=True, verbose_name="情况说明")),
                ("proposed_on", models.DateField(verbose_name="提出日期")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "待处理"), ("confirmed", "已确认列入"), ("dismissed", "不予列入")],
                        default="open",
                        max_length=16,
                        verbose_name="处理状态",
                    ),
                ),
                ("decided_on", models.DateField(blank=True, null=True, verbose_name="处理日期")),
                ("decision_reason", models.TextField(blank=True, verbose_name="处理意见")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="处理人员",
                    ),
                ),
                (
                    "listing",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="proposal",
                        to="registry.creditlisting",
                        verbose_name="列入记录",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_proposals",
                        to="registry.organization",
                        verbose_name="组织",
                    ),
                ),
            ],
            options={
                "verbose_name": "拟列入活动异常名录",
                "verbose_name_plural": "拟列入活动异常名录",
                "ordering": ["-proposed_on", "-id"],
                "indexes": [models.Index(fields=["status", "proposed_on"], name="credit_proposal_status_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "open")),
                        fields=("organization", "cause"),
                        name="credit_proposal_one_open_per_cause",
                        violation_error_message="该组织已有待处理的同一事由的拟列入建议。",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["open", "confirmed", "dismissed"])),
                        name="credit_proposal_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("listing__isnull", False), ("status", "confirmed")),
                            models.Q(models.Q(("status", "confirmed"), _negated=True), ("listing__isnull", True)),
                            _connector="OR",
                        ),
                        name="credit_proposal_confirmed_has_listing",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("decided_on__isnull", True), ("status", "open")),
                            models.Q(models.Q(("status", "open"), _negated=True), ("decided_on__isnull", False)),
                            _connector="OR",
                        ),
                        name="credit_proposal_decided_when_closed",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "dismissed"), _negated=True),
                            models.Q(("decision_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="credit_proposal_dismissal_has_reason",
                        violation_error_message="不予列入须填写理由。",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="administrativepenalty",
            name="suspended_from",
            field=models.DateField(blank=True, null=True, verbose_name="停止活动起始日期"),
        ),
        migrations.AddField(
            model_name="administrativepenalty",
            name="suspended_until",
            field=models.DateField(blank=True, null=True, verbose_name="停止活动截止日期"),
        ),
        migrations.AddConstraint(
            model_name="administrativepenalty",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("suspended_from__isnull", True), ("suspended_until__isnull", True)),
                    models.Q(
                        ("kind", "suspension"),
                        ("suspended_from__isnull", False),
                        ("suspended_until__gte", models.F("suspended_from")),
                        ("suspended_until__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="penalty_suspension_period",
                violation_error_message="停止活动期限只用于限期停止活动，截止日期不能早于起始日期。",
            ),
        ),
    ]
