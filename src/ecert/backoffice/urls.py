from django.contrib.auth import views as auth_views
from django.urls import path

from ecert.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="backoffice/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/<slug:key>/", views.authority_detail, name="authority_detail"),
    path("catalogue/", views.catalogue_index, name="catalogue"),
    path(
        "catalogue/qualifications/<slug:key>/",
        views.qualification_detail,
        name="qualification_detail",
    ),
    path("catalogue/lists/<slug:key>/", views.catalogue_list_detail, name="catalogue_list_detail"),
    path("credentials/", views.credential_list, name="credential_list"),
    path("credentials/<str:public_id>/", views.credential_detail, name="credential_detail"),
    path("audit/", views.audit_log, name="audit_log"),
    path("users/", views.user_list, name="user_list"),
]
