from django.urls import path

from . import import_views, views

app_name = "participants"

urlpatterns = [
    path("me/profile/", views.MyProfileView.as_view(), name="my_profile"),
    path(
        "participants/<int:pk>/calendar-token/reset/",
        views.CalendarTokenResetView.as_view(),
        name="calendar_token_reset",
    ),
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/new/", views.ParticipantCreateView.as_view(), name="participant_create"),
    path(
        "participants/<int:pk>/edit/",
        views.ParticipantUpdateView.as_view(),
        name="participant_update",
    ),
    path(
        "participants/<int:pk>/preferences/",
        views.ParticipantPreferencesView.as_view(),
        name="hostpreference_update",
    ),
    path(
        "participants/<int:pk>/confirm/",
        views.ParticipantStatusView.as_view(action="confirm"),
        name="participant_confirm",
    ),
    path(
        "participants/<int:pk>/reinstate/",
        views.ParticipantStatusView.as_view(action="reinstate"),
        name="participant_reinstate",
    ),
    path(
        "cohorts/<int:pk>/orientation-notices/",
        views.CohortOrientationNoticesView.as_view(),
        name="cohort_orientation_notices",
    ),
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
