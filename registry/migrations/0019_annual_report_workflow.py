import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

STATES = [("draft", "草稿"), ("submitted", "已报送"), ("returned", "退回补正"), ("checked", "已审核")]


def mark_checked_reports(apps, schema_editor):
    """Every existing report was filed (online or on paper, submitted_by left as it is): it
    becomes submitted by the new field's default, and checked where its result is set."""
    AnnualReport = apps.get_model("registry", "AnnualReport")
    AnnualReport.objects.exclude(result="").update(state="checked")


def unmark_checked_reports(apps, schema_editor):
    pass  # the state field goes away with the reversed AddField


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0018_application_corrections"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="annualreport",
            name="state",
            field=models.CharField(
                choices=STATES, db_index=True, default="submitted", max_length=16, verbose_name="状态"
            ),
        ),
        migrations.AddField(
            model_name="annualreport",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="最近保存时间"),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="activities",
            field=models.TextField(blank=True, verbose_name="主要活动"),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="expenditure",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="本年支出（元）"
            ),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="income",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="本年收入（元）"
            ),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="net_assets",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="年末净资产（元）"
            ),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="staff",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="专职工作人员"),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="volunteers",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="志愿者"),
        ),
        migrations.AlterField(
            model_name="annualreport",
            name="submitted_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, null=True, verbose_name="报送时间"
            ),
        ),
        # Existing rows satisfy all three as they are (submitted, complete), before the data step.
        migrations.AddConstraint(
            model_name="annualreport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "checked"), _negated=True),
                    models.Q(("result", ""), _negated=True),
                    _connector="OR",
                ),
                name="annual_report_checked_has_result",
            ),
        ),
        migrations.AddConstraint(
            model_name="annualreport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state__in", ["draft", "returned"]), _negated=True), ("result", ""), _connector="OR"
                ),
                name="annual_report_unfiled_has_no_result",
            ),
        ),
        migrations.AddConstraint(
            model_name="annualreport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("state__in", ["draft", "returned"]),
                    models.Q(
                        ("expenditure__isnull", False),
                        ("income__isnull", False),
                        ("net_assets__isnull", False),
                        ("staff__isnull", False),
                        ("volunteers__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="annual_report_filed_is_complete",
            ),
        ),
        migrations.CreateModel(
            name="AnnualReportEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("from_state", models.CharField(choices=STATES, max_length=16, verbose_name="原状态")),
                ("to_state", models.CharField(choices=STATES, max_length=16, verbose_name="新状态")),
                ("reason", models.TextField(blank=True, verbose_name="理由或意见")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="时间")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="办理人",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="registry.annualreport",
                        verbose_name="年度报告",
                    ),
                ),
            ],
            options={
                "verbose_name": "年度报告办理记录",
                "verbose_name_plural": "年度报告办理记录",
                "ordering": ["at", "pk"],
            },
        ),
        migrations.RunPython(mark_checked_reports, unmark_checked_reports),
    ]
