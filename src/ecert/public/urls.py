from django.urls import path

from ecert.public import offline, org_views, views

app_name = "verify"

urlpatterns = [
    # The QR code's URL: HTTPS://<verify host>/V/<payload> (docs/formats/qr.md).
    path("V/<str:payload>", views.landing, name="landing"),
    path("verify/", views.query, name="query"),
    path("verify/query-result/", views.query_result, name="query_result"),
    path("verify/pdf/", views.pdf, name="pdf"),
    path("verify/offline/", offline.offline, name="offline"),
    path("verify/offline/sw.js", offline.offline_worker, name="offline_worker"),
    path("verify/offline/manifest.webmanifest", offline.offline_manifest, name="offline_manifest"),
    path("verify/seal/<str:key>.png", views.seal, name="seal"),
    path("verify/org/register/", org_views.register, name="org_register"),
    path("verify/org/login/", org_views.sign_in, name="org_login"),
    path("verify/org/logout/", org_views.sign_out, name="org_logout"),
    path("verify/org/", org_views.home, name="org_home"),
    path("verify/org/check/", org_views.verify_one, name="org_verify"),
    path("verify/org/list/", org_views.verify_list, name="org_list"),
    path("verify/org/keys/", org_views.token_create, name="org_token_create"),
    path("verify/org/keys/<int:token_id>/revoke/", org_views.token_revoke, name="org_token_revoke"),
]
