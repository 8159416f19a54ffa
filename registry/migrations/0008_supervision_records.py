import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_credit_lists"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SupervisionRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("observation", "日常观察"), ("complaint", "投诉举报"), ("inspection", "检查")],
                        max_length=16,
                        verbose_name="类型",
                    ),
                ),
                ("occurred_on", models.DateField(verbose_name="发生日期")),
                ("summary", models.CharField(max_length=200, verbose_name="摘要")),
                ("details", models.TextField(blank=True, verbose_name="详细情况")),
                ("recorded_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="记录时间")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "待处理"), ("in_progress", "处理中"), ("closed", "已办结")],
                        default="open",
                        max_length=16,
                        verbose_name="处理状态",
                    ),
                ),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="办结时间")),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="supervision_records",
                        to="registry.organization",
                        verbose_name="组织",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="记录人",
                    ),
                ),
            ],
            options={
                "verbose_name": "监督记录",
                "verbose_name_plural": "监督记录",
                "ordering": ["-occurred_on", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("closed_at__isnull", False), ("status", "closed")),
                            models.Q(models.Q(("status", "closed"), _negated=True), ("closed_at__isnull", True)),
                            _connector="OR",
                        ),
                        name="supervision_closed_at_iff_closed",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SupervisionFollowUp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "from_status",
                    models.CharField(
                        choices=[("open", "待处理"), ("in_progress", "处理中"), ("closed", "已办结")],
                        max_length=16,
                        verbose_name="原状态",
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[("open", "待处理"), ("in_progress", "处理中"), ("closed", "已办结")],
                        max_length=16,
                        verbose_name="新状态",
                    ),
                ),
                ("note", models.TextField(verbose_name="处理意见")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="处理时间")),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="处理人",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follow_ups",
                        to="registry.supervisionrecord",
                        verbose_name="监督记录",
                    ),
                ),
            ],
            options={
                "verbose_name": "处理记录",
                "verbose_name_plural": "处理记录",
                "ordering": ["at", "id"],
            },
        ),
    ]
