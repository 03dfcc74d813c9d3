from django.urls import path, re_path

from . import import_views, views

app_name = "participants"

urlpatterns = [
    path(
        "participants/<int:pk>/", views.ParticipantDetailView.as_view(), name="participant_detail"
    ),
    path("me/schedule/", views.MyScheduleView.as_view(), name="my_schedule"),
    path("me/profile/", views.MyProfileView.as_view(), name="my_profile"),
    path(
        "participants/<int:pk>/schedule/",
        views.ParticipantScheduleView.as_view(),
        name="participant_schedule",
    ),
    path(
        "participants/<int:pk>/schedule/print/",
        views.ParticipantSchedulePrintView.as_view(),
        name="participant_schedule_print",
    ),
    path(
        "participants/<int:pk>/calendar-token/reset/",
        views.CalendarTokenResetView.as_view(),
        name="calendar_token_reset",
    ),
    # Tokens are `secrets.token_urlsafe(32)`; anything else is not a feed address (404).
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{32,64})\.ics$",
        views.CalendarFeedView.as_view(),
        name="calendar_feed",
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
        "participants/<int:pk>/withdraw/",
        views.ParticipantWithdrawView.as_view(),
        name="participant_withdraw",
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
