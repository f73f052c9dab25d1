from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/export/", views.export, name="export"),
    path("settings/delete/", views.delete_account, name="delete"),
    path("settings/tokens/", views.token_list, name="token-list"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
