from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from web.urls import auth_urlpatterns
from web.views.general import home

from . import views

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include(auth_urlpatterns)),
    path("", include("web.urls")),
    path("api/v1/", include("api.urls")),
    path("tickets/", include("tickets.urls")),
    path("journal-des-acces/", include("journal.urls")),
    path("vie-privee/", include("privacy.urls")),
    path("courriels-retenus/", include("mailin.urls")),
]

handler400 = "helpdesk.views.bad_request"
handler403 = "helpdesk.views.permission_denied"
handler404 = "helpdesk.views.page_not_found"
handler500 = "helpdesk.views.server_error"
