from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from .api import api
from .views import account, annual_reports, applications, deadlines, federations, materials, open_data, venture
from .views import evaluation as evaluation_cases
from .views import notices as evaluation_notices
from .views import two_factor as two_factor_views
from .views.health import healthz, no_error_test
from .views.text_size import set_text_size
from .views.verify import certificate_json, public_key, public_key_by_id, verify_certificate, verify_index

urlpatterns = [
    # Before the admin's own addresses: two-factor authentication for the roles that need it.
    path("admin/two-factor/setup/", two_factor_views.setup, name="two_factor_setup"),
    path("admin/two-factor/", two_factor_views.verify, name="two_factor_verify"),
    path("admin/failwhale/", no_error_test),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("text-size/", set_text_size, name="set_text_size"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("open-data/organizations.csv", open_data.organizations_csv, name="open_data_csv"),
    path("open-data/organizations.xlsx", open_data.organizations_xlsx, name="open_data_xlsx"),
    path("open-data/organizations.json", open_data.organizations_json, name="open_data_json"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    # The open-data page reads in either language (/open-data/, /en/open-data/); the downloads above
    # stay unprefixed, so their column headers and labels are always the default language's.
    path("open-data/", open_data.open_data_index, name="open_data"),
    path("account/", account.home, name="account_home"),
    path("account/login/", account.LoginView.as_view(), name="account_login"),
    path("account/logout/", account.LogoutView.as_view(), name="account_logout"),
    path("account/signup/", account.signup, name="account_signup"),
    path("account/claim/", account.claim, name="account_claim"),
    path("account/annual-reports/", annual_reports.annual_reports, name="account_annual_reports"),
    path("account/annual-reports/<int:year>/", annual_reports.annual_report, name="account_annual_report"),
    path("annual-reports/", annual_reports.public_results, name="annual_report_results"),
    path("account/due/", deadlines.deadlines, name="account_deadlines"),
    path("account/notifications/", deadlines.notifications, name="account_notifications"),
    path("account/verify/<str:uidb64>/<str:token>/", account.verify, name="account_verify"),
    path("account/verify/resend/", account.resend_verification, name="account_resend_verification"),
    path("account/password-reset/", account.PasswordResetView.as_view(), name="account_password_reset"),
    path("account/password-reset/sent/", account.PasswordResetDoneView.as_view(), name="account_password_reset_done"),
    path(
        "account/password-reset/done/",
        account.PasswordResetCompleteView.as_view(),
        name="account_password_reset_complete",
    ),
    path(
        "account/password-reset/<str:uidb64>/<str:token>/",
        account.PasswordResetConfirmView.as_view(),
        name="account_password_reset_confirm",
    ),
    path("account/applications/new/<str:kind>/", applications.application_new, name="account_application_new"),
    path("account/applications/<int:pk>/", applications.application_detail, name="account_application"),
    path("account/applications/<int:pk>/edit/", applications.application_edit, name="account_application_edit"),
    path(
        "account/applications/<int:pk>/edit/<slug:step>/",
        applications.application_step,
        name="account_application_step",
    ),
    path("account/applications/<int:pk>/act/", applications.application_act, name="account_application_act"),
    path(
        "account/applications/<int:pk>/materials/",
        applications.material_upload,
        name="account_material_upload",
    ),
    path("account/materials/<int:pk>/remove/", applications.material_remove, name="account_material_remove"),
    path("materials/<int:pk>/", materials.download_material, name="material_download"),
    path(
        "supervision-attachments/<int:pk>/",
        materials.download_supervision_attachment,
        name="supervision_attachment_download",
    ),
    path("account/evaluation/", evaluation_cases.evaluation_home, name="account_evaluation"),
    path(
        "account/evaluation/campaigns/<int:campaign_pk>/apply/",
        evaluation_cases.evaluation_start,
        name="account_evaluation_start",
    ),
    path("account/evaluation/cases/<int:pk>/", evaluation_cases.evaluation_case, name="account_evaluation_case"),
    path(
        "account/evaluation/cases/<int:pk>/self-assessment/",
        evaluation_cases.evaluation_self_assessment,
        name="account_evaluation_self_assessment",
    ),
    path(
        "account/evaluation/cases/<int:pk>/evidence/",
        evaluation_cases.evaluation_evidence,
        name="account_evaluation_evidence",
    ),
    path(
        "account/evaluation/cases/<int:pk>/evidence/<int:file_pk>/remove/",
        evaluation_cases.evaluation_evidence_remove,
        name="account_evaluation_evidence_remove",
    ),
    path("account/evaluation/cases/<int:pk>/act/", evaluation_cases.evaluation_act, name="account_evaluation_act"),
    path("evidence/<int:pk>/", materials.download_evidence, name="evidence_download"),
    path("certificates/<int:pk>/pdf/", materials.download_certificate, name="certificate_download"),
    path("evaluation/notices/", evaluation_notices.notice_list, name="evaluation_notices"),
    path("evaluation/notices/<int:pk>/", evaluation_notices.notice_detail, name="evaluation_notice"),
    path(
        "account/evaluation/cases/<int:pk>/appeal/",
        evaluation_notices.appeal,
        name="account_evaluation_appeal",
    ),
    path(
        "appeal-attachments/<int:pk>/",
        materials.download_appeal_attachment,
        name="appeal_attachment_download",
    ),
    path("federations/", federations.federation_list, name="federations"),
    path("federations/<str:street_code>/", federations.federation_detail, name="federation_detail"),
    path("venture/", venture.venture_calls, name="venture_calls"),
    path("venture/<int:pk>/", venture.venture_call, name="venture_call"),
    path("account/venture/", venture.venture_home, name="account_venture"),
    path("account/venture/calls/<int:call_pk>/new/", venture.venture_new, name="account_venture_new"),
    path("account/venture/projects/<int:pk>/", venture.venture_project, name="account_venture_project"),
    path("account/venture/projects/<int:pk>/edit/", venture.venture_edit, name="account_venture_edit"),
    path("account/venture/projects/<int:pk>/submit/", venture.venture_submit, name="account_venture_submit"),
    path("account/venture/projects/<int:pk>/withdraw/", venture.venture_withdraw, name="account_venture_withdraw"),
    path(
        "account/venture/projects/<int:pk>/reports/<str:kind>/",
        venture.venture_report,
        name="account_venture_report",
    ),
    # /verify/<code>/ is printed as a QR code on every certificate: keep the address stable.
    path("verify/", verify_index, name="verify"),
    path("verify/public-key.pem", public_key, name="verify_public_key"),
    path("verify/keys/<str:key_id>.pem", public_key_by_id, name="verify_public_key_by_id"),
    path("verify/<str:code>/", verify_certificate, name="verify_certificate"),
    path("verify/<str:code>/certificate.json", certificate_json, name="verify_certificate_json"),
    path("", include(wagtail_urls)),
    # Filing numbers (市南备字〔2026〕第0001号) hold brackets that Wagtail's page pattern (\w and -)
    # refuses; this serves such addresses through the same Wagtail routing, after it.
    re_path(r"^((?:[^/]+/)*)$", wagtail_views.serve, name="wagtail_serve_any"),
    prefix_default_language=False,
)
