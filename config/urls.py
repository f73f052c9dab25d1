from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from community import views as community_views
from config import api, language
from config import views as site_views

api_v1 = [
    path("", include("accounts.api")),
    path("", include("roadmap.api")),
    path("", include("community.api")),
    re_path(r"", api.not_found),
]

urlpatterns = [
    path("", community_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("language/", language.set_language, name="set-language"),
    path("robots.txt", site_views.robots_txt, name="robots-txt"),
    path("sitemap.xml", site_views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", site_views.sitemap_section, name="sitemap-section"),
    path("accounts/login/", accounts_views.login, name="account_login"),  # before allauth's own
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("roadmaps/", include("roadmap.urls")),
    path("", include("community.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html", title="Stepwise API"
        ),
        name="api-docs",
    ),
]

if settings.PROMETHEUS_METRICS:
    urlpatterns.append(path("", include("django_prometheus.urls")))

if settings.BENCH_ENDPOINTS:
    # First: the baseline measures the middleware stack, not a walk through every pattern above.
    urlpatterns.insert(0, path("bench/hello", site_views.bench_hello, name="bench-hello"))

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
