from django.contrib import admin
from django.urls import include, path

from community import views as community_views
from config import views as site_views

urlpatterns = [
    path("", community_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("roadmaps/", include("roadmap.urls")),
    path("", include("community.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
