from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider import views as oauth2_views

from tickets.workflow import TRANSITIONS

from . import evolutions as evolution_views
from . import views_pilotage
from . import auth, problems, views_pivot, views_privacy, views_sla, views_tickets, views_webhooks

app_name = "api"

urlpatterns = [
    path("oauth/token/", auth.TokenView.as_view(), name="token"),
    path("oauth/revoke/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("tickets/", views_tickets.TicketListView.as_view(), name="tickets"),
    path("tickets/<str:reference>/", views_tickets.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<str:reference>/comments/", views_tickets.TicketCommentsView.as_view(), name="ticket-comments"),
    path("tickets/<str:reference>/attachments/", views_tickets.TicketAttachmentsView.as_view(), name="ticket-attachments"),
    path("tickets/<str:reference>/events/", views_tickets.TicketEventsView.as_view(), name="ticket-events"),
    path("tickets/<str:reference>/breach-steps/", views_privacy.BreachStepsView.as_view(), name="ticket-breach-steps"),
    path("tickets/<str:reference>/transitions/", views_tickets.TicketTransitionsView.as_view(), name="ticket-transitions"),
    # One route per row of the workflow table with `api=True` (tickets.workflow.TRANSITIONS).
    *[
        path(f"tickets/<str:reference>/transitions/{row.name}/", views_tickets.transition_view(row.name),
             name=f"ticket-transition-{row.name}")
        for row in TRANSITIONS if row.api
    ],
    path("privacy/requests/", views_privacy.DataSubjectRequestListView.as_view(), name="privacy-requests"),
    path("privacy/requests/<int:pk>/", views_privacy.DataSubjectRequestDetailView.as_view(), name="privacy-request"),
    path("privacy/requests/<int:pk>/steps/", views_privacy.DataSubjectRequestStepsView.as_view(), name="privacy-request-steps"),
    path("pivot/tickets/", views_pivot.PivotTicketListView.as_view(), name="pivot-tickets"),
    path("pivot/tickets/<str:reference>/", views_pivot.PivotTicketDetailView.as_view(), name="pivot-ticket"),
    path("outages/", views_sla.OutageListView.as_view(), name="outages"),
    path("outages/<int:pk>/close/", views_sla.OutageCloseView.as_view(), name="outage-close"),
    path("availability/", views_sla.AvailabilityView.as_view(), name="availability"),
    path("alertmanager/", views_sla.AlertmanagerView.as_view(), name="alertmanager"),
    path("reviews/", views_pilotage.ReviewListView.as_view(), name="reviews"),
    path("reviews/<int:pk>/", views_pilotage.ReviewDetailView.as_view(), name="review"),
    path("reviews/<int:pk>/actions/<int:action_pk>/", views_pilotage.ReviewActionView.as_view(), name="review-action"),
    *evolution_views.URLS,  # demandes d'évolution (evolutions app)
    path("webhooks/", views_webhooks.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", views_webhooks.WebhookDetailView.as_view(), name="webhook"),
    path("webhooks/<int:pk>/rotate-secret/", views_webhooks.WebhookRotateSecretView.as_view(), name="webhook-rotate"),
    path("webhooks/<int:pk>/deliveries/", views_webhooks.WebhookDeliveriesView.as_view(), name="webhook-deliveries"),
]

# Anything else under /api/v1/ answers with a problem, not the HTML 404 page.
urlpatterns.append(re_path(r"^.*$", problems.not_found))
