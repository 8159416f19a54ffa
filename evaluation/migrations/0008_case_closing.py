from django.db import migrations, models

CASE_STATES = [
    ("draft", "填写中"),
    ("applied", "已申请"),
    ("ineligible", "不符合条件"),
    ("eligible", "待分配"),
    ("allocated", "已分配评估机构"),
    ("scoring", "评分中"),
    ("moderation", "复核汇总中"),
    ("moderated", "待评估委员会审定"),
    ("decided", "已审定"),
    ("in_notice", "公示中"),
    ("final", "已确定等级"),
    ("withdrawn", "已撤回"),
    ("closed", "已终止评估"),
]

CASE_ACTIONS = [
    ("submit", "提交申请"),
    ("withdraw", "撤回"),
    ("confirm_eligible", "确认符合条件"),
    ("refuse", "确认不符合条件"),
    ("allocate", "分配评估机构"),
    ("open_review", "提交专家评审"),
    ("assign", "指派评估专家"),
    ("complete_scoring", "完成评分"),
    ("reopen", "退回重新评分"),
    ("moderate", "完成复核汇总"),
    ("decide", "评估委员会审定"),
    ("publish", "公示"),
    ("finalize", "确定等级"),
    ("close", "终止评估"),
]


class Migration(migrations.Migration):
    """A case may be closed (终止评估) by the campaign's officer: the new state and action."""

    dependencies = [
        ("evaluation", "0007_certificate_fixes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="state",
            field=models.CharField(
                choices=CASE_STATES, db_index=True, default="draft", max_length=16, verbose_name="状态"
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="action",
            field=models.CharField(choices=CASE_ACTIONS, max_length=20, verbose_name="办理事项"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="from_state",
            field=models.CharField(choices=CASE_STATES, max_length=16, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="to_state",
            field=models.CharField(choices=CASE_STATES, max_length=16, verbose_name="新状态"),
        ),
    ]
