from django.urls import path

from . import views, views_requests

app_name = "privacy"

urlpatterns = [
    path("mes-donnees/", views.export_html, name="my_data"),
    path("mes-donnees.json", views.export_json, name="my_data_json"),
    path("personnes/<str:username>/donnees/", views.export_html, name="person_data"),
    path("personnes/<str:username>/donnees.json", views.export_json, name="person_data_json"),
    path("violations/<str:reference>/", views.breach_edit, name="breach"),
    path("violations/", views.dpo_board, name="board"),
    path("violations/<str:reference>/etapes/", views.breach_step, name="breach_step"),
    path("violations/<str:reference>/validation/", views.breach_approve, name="breach_approve"),
    path("violations/<str:reference>/notification/", views.breach_notification, name="breach_notification"),
    path("demandes-de-droits/", views_requests.request_list, name="requests"),
    path("demandes-de-droits/nouvelle/", views_requests.request_new, name="request_new"),
    path("demandes-de-droits/<int:pk>/", views_requests.request_detail, name="request"),
    path("demandes-de-droits/<int:pk>/etapes/", views_requests.request_step, name="request_step"),
]
