from django.contrib.auth import views as auth_views
from django.urls import path

from ecert.backoffice import (
    account_views,
    catalogue_views,
    collection_views,
    counter_check_views,
    credential_views,
    document_views,
    elicence_views,
    issuance_views,
    mail_views,
    organisation_views,
    paper_views,
    print_views,
    replacement_centre_views,
    replacement_province_views,
    replacement_views,
    seal_views,
    title_views,
    user_views,
    views,
)

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", account_views.sign_in, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.password_change, name="password_change"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("organisations/", organisation_views.organisation_list, name="organisation_list"),
    path(
        "organisations/<str:reference>/",
        organisation_views.organisation_detail,
        name="organisation_detail",
    ),
    path("titles/", title_views.title_list, name="title_list"),
    path("titles/new/", title_views.title_new, name="title_new"),
    path("titles/import/", title_views.title_import, name="title_import"),
    path("titles/reports/", title_views.title_reports, name="title_reports"),
    path("titles/reports/send/", title_views.title_report_send, name="title_report_send"),
    path("titles/codes/", title_views.title_codes, name="title_codes"),
    path("titles/round/", title_views.title_round, name="title_round"),
    path("titles/pledges/<str:reissue>/", title_views.title_pledge, name="title_pledge"),
    path("titles/<str:reference>/", title_views.title_detail, name="title_detail"),
    path("authorities/<slug:key>/", views.authority_detail, name="authority_detail"),
    path("authorities/<slug:key>/seal/", seal_views.authority_seal, name="authority_seal"),
    path("catalogue/", views.catalogue_index, name="catalogue"),
    path(
        "catalogue/qualifications/<slug:key>/",
        views.qualification_detail,
        name="qualification_detail",
    ),
    path("catalogue/lists/<slug:key>/", views.catalogue_list_detail, name="catalogue_list_detail"),
    path("credentials/", views.credential_list, name="credential_list"),
    path("credentials/<str:public_id>/", views.credential_detail, name="credential_detail"),
    path(
        "credentials/<str:public_id>/document.pdf",
        document_views.credential_document,
        name="credential_document",
    ),
    path(
        "credentials/<str:public_id>/activation-code/",
        views.credential_activation_code,
        name="credential_activation_code",
    ),
    path(
        "credentials/<str:public_id>/status/",
        credential_views.credential_status,
        name="credential_status",
    ),
    path(
        "credentials/<str:public_id>/photo/",
        credential_views.credential_photo,
        name="credential_photo",
    ),
    path(
        "credentials/<str:public_id>/correct/",
        credential_views.credential_correction,
        name="credential_correct",
    ),
    path(
        "credentials/<str:public_id>/proof/",
        issuance_views.credential_proof,
        name="credential_proof",
    ),
    path("imports/", issuance_views.import_list, name="import_list"),
    path("imports/new/", issuance_views.import_new, name="import_new"),
    path("imports/records/new/", issuance_views.records_new, name="records_new"),
    path("imports/<str:reference>/", issuance_views.import_detail, name="import_detail"),
    path(
        "imports/<str:reference>/progress",
        issuance_views.import_progress_json,
        name="import_progress",
    ),
    path(
        "imports/<str:reference>/errors.xlsx",
        issuance_views.import_errors,
        name="import_errors",
    ),
    path("batches/<str:reference>/print/", print_views.batch_print, name="batch_print"),
    path("print-files/", print_views.print_file_list, name="print_file_list"),
    path("elicence/export/", elicence_views.elicence_export_page, name="elicence_export"),
    path("print-files/<str:reference>/", print_views.print_file_detail, name="print_file_detail"),
    path(
        "print-files/<str:reference>/progress",
        print_views.print_file_progress_json,
        name="print_file_progress",
    ),
    path(
        "print-files/<str:reference>/download.pdf",
        print_views.print_file_download,
        name="print_file_download",
    ),
    path("audit/", views.audit_log, name="audit_log"),
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_new, name="user_new"),
    path("users/<str:username>/", user_views.user_detail, name="user_detail"),
    path("users/<str:username>/roles/", user_views.user_role_assign, name="user_role_assign"),
    path(
        "users/<str:username>/roles/<int:assignment>/revoke/",
        user_views.user_role_revoke,
        name="user_role_revoke",
    ),
    path("users/<str:username>/disable/", user_views.user_disable, name="user_disable"),
    path("users/<str:username>/enable/", user_views.user_enable, name="user_enable"),
    path(
        "users/<str:username>/password/",
        user_views.user_password_reset,
        name="user_password_reset",
    ),
]

# Paper certificates (issue 16), each part in its own module.
urlpatterns += (
    paper_views.urlpatterns
    + mail_views.urlpatterns
    + collection_views.urlpatterns
    + counter_check_views.urlpatterns
)

# Replacements (issue 17): the level above's pages, and a batch's package and forms.
urlpatterns += replacement_province_views.urlpatterns
# Replacements (issue 17): the catalogue settings the package needs, the exam centre's completion.
urlpatterns += catalogue_views.urlpatterns + replacement_centre_views.urlpatterns
# Replacements at the receiving unit (issue 17), last: `replacement/<reference>/` would take the
# names of the other pages' folders (province/, centre/).
urlpatterns += replacement_views.urlpatterns
