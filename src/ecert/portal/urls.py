from django.urls import path

from ecert.portal import replacement_views, views, w3c_views

app_name = "portal"

urlpatterns = [
    path("", views.credential_list, name="credential_list"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("activate/", views.activate, name="activate"),
    path("login/oidc/", views.oidc_start, name="oidc_start"),
    path("login/oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("login/oidc/refused/", views.oidc_refused, name="oidc_refused"),
    path("credentials/<str:public_id>/", views.credential_detail, name="credential_detail"),
    path(
        "credentials/<str:public_id>/download/",
        views.credential_document,
        name="credential_download",
    ),
    path(
        "credentials/<str:public_id>/print/",
        views.credential_document,
        {"inline": True},
        name="credential_print",
    ),
    path(
        "credentials/<str:public_id>/ofd/",
        views.credential_document,
        {"media": "ofd"},
        name="credential_ofd",
    ),
    path(
        "credentials/<str:public_id>/sd-jwt/",
        views.credential_sd_jwt,
        name="credential_sd_jwt",
    ),
    path("credentials/<str:public_id>/scoped/", views.scoped_copy_new, name="scoped_copy_new"),
    path("credentials/<str:public_id>/paper/", views.paper_choose_view, name="paper_choose"),
    path(
        "credentials/<str:public_id>/scoped/<str:reference>/download/",
        views.scoped_copy_document,
        name="scoped_copy_download",
    ),
    path(
        "credentials/<str:public_id>/scoped/<str:reference>/print/",
        views.scoped_copy_document,
        {"inline": True},
        name="scoped_copy_print",
    ),
    path(
        "credentials/<str:public_id>/replacement/",
        replacement_views.replacement_apply,
        name="replacement_apply",
    ),
    path("replacements/", replacement_views.replacement_list, name="replacement_list"),
    path(
        "replacements/<str:reference>/",
        replacement_views.replacement_detail,
        name="replacement_detail",
    ),
    path(
        "replacements/<str:reference>/withdraw/",
        replacement_views.replacement_withdraw,
        name="replacement_withdraw",
    ),
    path(
        "credentials/<str:public_id>/w3c-vc/",
        w3c_views.credential_w3c_vc_download,
        name="credential_w3c_vc",
    ),
]
