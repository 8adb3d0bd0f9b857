from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from ecert.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="backoffice:dashboard"), name="home"),
    path("backoffice/", include("ecert.backoffice.urls")),
    path("my/", include("ecert.portal.urls")),
    path("", include("ecert.public.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The Django admin's own sign-in form would be an unthrottled way to try passwords: its
    # superusers sign in through the back office's, which counts failures (docs/staff-accounts.md).
    path("admin/login/", RedirectView.as_view(pattern_name="backoffice:login", query_string=True)),
    path("admin/", admin.site.urls),
]
