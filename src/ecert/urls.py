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
    path("admin/", admin.site.urls),
]
