from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path(
        "participants/<int:pk>/", views.ParticipantDetailView.as_view(), name="participant_detail"
    ),
    path("me/schedule/", views.MyScheduleView.as_view(), name="my_schedule"),
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
]
