from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/<int:pk>/",
        views.NotificationDetailView.as_view(),
        name="notification_detail",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="notification_read_all",
    ),
    path("notifications/unread/", views.NotificationBadgeView.as_view(), name="notification_badge"),
    path(
        "notifications/<int:pk>/resend/",
        views.NotificationResendView.as_view(),
        name="notification_resend",
    ),
    path(
        "cohorts/<int:pk>/outbox/",
        views.NotificationOutboxView.as_view(),
        name="notification_outbox",
    ),
    path(
        "cohorts/<int:pk>/reminders/",
        views.CohortRemindersView.as_view(),
        name="cohort_reminders",
    ),
]
