from django.urls import path

from . import import_views, views

app_name = "participants"

urlpatterns = [
    path(
        "participants/<int:pk>/", views.ParticipantDetailView.as_view(), name="participant_detail"
    ),
    path("me/schedule/", views.MyScheduleView.as_view(), name="my_schedule"),
    path(
        "cohorts/<int:pk>/nominations/import/",
        import_views.NominationImportCreateView.as_view(),
        name="nominationimport_create",
    ),
    path(
        "nominations/imports/<int:pk>/",
        import_views.NominationImportDetailView.as_view(),
        name="nominationimport_detail",
    ),
    path(
        "nominations/imports/<int:pk>/confirm/",
        import_views.NominationImportConfirmView.as_view(),
        name="nominationimport_confirm",
    ),
    path(
        "nominations/imports/<int:pk>/discard/",
        import_views.NominationImportDiscardView.as_view(),
        name="nominationimport_discard",
    ),
    path(
        "nominations/template.<str:fmt>",
        import_views.NominationTemplateView.as_view(),
        name="nominationimport_template",
    ),
]
