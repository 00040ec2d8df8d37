from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("mes-donnees/", views.export_html, name="my_data"),
    path("mes-donnees.json", views.export_json, name="my_data_json"),
    path("personnes/<str:username>/donnees/", views.export_html, name="person_data"),
    path("personnes/<str:username>/donnees.json", views.export_json, name="person_data_json"),
    path("violations/<str:reference>/", views.breach_edit, name="breach"),
    path("violations/<str:reference>/notification/", views.breach_notification, name="breach_notification"),
]
