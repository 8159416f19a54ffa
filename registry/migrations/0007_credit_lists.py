# Credit lists and administrative penalties (DESIGN.md section 6).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0006_fill_search_fields'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CreditListing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('list', models.CharField(choices=[('abnormal_activity', '活动异常名录'), ('serious_violation', '严重违法失信名单')], max_length=32, verbose_name='名录')),
                ('cause', models.CharField(choices=[('missed_annual_report', '未按规定报送年度工作报告'), ('unreachable', '通过登记的住所无法联系'), ('not_corrected', '未按期改正'), ('moved_from_abnormal', '列入活动异常名录满2年'), ('other', '其他')], max_length=32, verbose_name='列入事由')),
                ('details', models.TextField(blank=True, verbose_name='情况说明')),
                ('listed_on', models.DateField(verbose_name='列入日期')),
                ('removed_on', models.DateField(blank=True, null=True, verbose_name='移出日期')),
                ('removal_reason', models.TextField(blank=True, verbose_name='移出理由')),
                ('listed_by', models.ForeignKey(blank=True, help_text='为空表示由系统按规定自动作出。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='作出列入决定的人员')),
                ('moved_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='moved_from', to='registry.creditlisting', verbose_name='转入的名单记录')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_listings', to='registry.organization', verbose_name='组织')),
                ('removed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='作出移出决定的人员')),
            ],
            options={
                'verbose_name': '信用名录记录',
                'verbose_name_plural': '信用名录记录',
                'ordering': ['-listed_on', '-id'],
            },
        ),
        migrations.CreateModel(
            name='AdministrativePenalty',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('warning', '警告'), ('fine', '罚款'), ('suspension', '限期停止活动'), ('revocation', '撤销登记')], max_length=16, verbose_name='处罚种类')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='罚款金额（元）')),
                ('decided_on', models.DateField(verbose_name='决定日期')),
                ('decision_number', models.CharField(max_length=100, verbose_name='处罚决定书文号')),
                ('reason', models.TextField(verbose_name='处罚事由')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='录入人员')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='penalties', to='registry.organization', verbose_name='组织')),
            ],
            options={
                'verbose_name': '行政处罚',
                'verbose_name_plural': '行政处罚',
                'ordering': ['-decided_on', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('amount__gt', 0), ('kind', 'fine')), models.Q(models.Q(('kind', 'fine'), _negated=True), ('amount__isnull', True)), _connector='OR'), name='penalty_fine_has_amount', violation_error_message='罚款须填写大于零的金额，其他处罚不填金额。'), models.CheckConstraint(condition=models.Q(('kind__in', ['warning', 'fine', 'suspension', 'revocation'])), name='penalty_kind_valid')],
            },
        ),
        migrations.AddIndex(
            model_name='creditlisting',
            index=models.Index(fields=['list', 'removed_on', 'listed_on'], name='registry_cr_list_e3d1fb_idx'),
        ),
        migrations.AddConstraint(
            model_name='creditlisting',
            constraint=models.UniqueConstraint(condition=models.Q(('removed_on__isnull', True)), fields=('organization', 'list'), name='credit_listing_one_current_per_list', violation_error_message='该组织已在此名录中，不能重复列入。'),
        ),
        migrations.AddConstraint(
            model_name='creditlisting',
            constraint=models.CheckConstraint(condition=models.Q(('removed_on__isnull', True), ('removed_on__gte', models.F('listed_on')), _connector='OR'), name='credit_listing_removed_after_listed', violation_error_message='移出日期不能早于列入日期。'),
        ),
        migrations.AddConstraint(
            model_name='creditlisting',
            constraint=models.CheckConstraint(condition=models.Q(('list__in', ['abnormal_activity', 'serious_violation'])), name='credit_listing_list_valid'),
        ),
    ]
