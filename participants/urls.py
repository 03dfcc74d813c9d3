from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path(
        "participants/<int:pk>/", views.ParticipantDetailView.as_view(), name="participant_detail"
    ),
    path("me/schedule/", views.MyScheduleView.as_view(), name="my_schedule"),
]
