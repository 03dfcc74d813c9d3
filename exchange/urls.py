from django.contrib import admin
from django.urls import include, path

from . import views

handler400 = "exchange.views.error_400"
handler403 = "exchange.views.error_403"
handler404 = "exchange.views.error_404"
handler500 = "exchange.views.error_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("placements.urls")),
    path("", include("participants.urls")),
    path("", include("exchange.notifications.urls")),
]
