from django.urls import path

from . import views

app_name = "mailin"

urlpatterns = [
    path("", views.held_list, name="held"),
    path("<int:pk>/", views.held_detail, name="held_detail"),
    path("<int:pk>/accepter/", views.held_accept, name="held_accept"),
    path("<int:pk>/refuser/", views.held_reject, name="held_reject"),
]
