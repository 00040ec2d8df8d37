from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("pieces-jointes/<int:pk>/", views.download_attachment, name="attachment-download"),
]
