from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from .views import attachments, board, dashboard, general, knowledge, notifications, outages, requester, ticket
from .views import annual_report as annual_report_views
from .views import charter as charter_views
from .views import conventions as convention_views
from .views import evolutions as evolution_views
from .views import macros as macro_views
from .views import mail_preferences as mail_preference_views
from .views import pilotage as pilotage_views
from .views import satisfaction as satisfaction_views
from .views import status as status_views

app_name = "web"

urlpatterns = [
    path("mentions-d-information/", general.legal, name="legal"),
    path("accessibilite/", general.accessibility, name="accessibility"),
    path("signaler/", requester.report, name="report"),
    path("signaler/similaires/", requester.report_similar, name="report_similar"),
    path("mes-demandes/", requester.my_tickets, name="my_tickets"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("notifications/tout-lu/", notifications.notifications_read, name="notifications_read"),
    path("notifications/courriels/", mail_preference_views.preferences, name="mail_preferences"),
    path("courriels/desinscription/<str:token>/", mail_preference_views.unsubscribe, name="mail_unsubscribe"),
    path("demandes/<str:reference>/", ticket.ticket_detail, name="ticket"),
    path("demandes/<str:reference>/message/", ticket.ticket_message, name="ticket_message"),
    path("demandes/<str:reference>/action/<str:action>/", ticket.ticket_action, name="ticket_action"),
    path("demandes/<str:reference>/evaluation/", satisfaction_views.ticket_rate, name="ticket_rate"),
    path("demandes/<str:reference>/reponse-type/", macro_views.ticket_macro, name="ticket_macro"),
    path("evaluation/<str:token>/", satisfaction_views.satisfaction_link, name="satisfaction_link"),
    path("pieces-jointes/<int:pk>/apercu/", attachments.preview, name="attachment_preview"),
    path("guichets/", board.boards, name="boards"),
    path("guichets/<slug:slug>/", board.board, name="board"),
    path("guichets/<slug:slug>/lot/", board.board_bulk, name="board_bulk"),
    path("interruptions/", outages.outages, name="outages"),
    path("interruptions/<int:pk>/clore/", outages.close, name="outage_close"),
    path("aide/", knowledge.home, name="kb_home"),
    path("aide/articles/nouveau/", knowledge.article_new, name="kb_new"),
    path("aide/articles/<slug:slug>/", knowledge.article, name="kb_article"),
    path("aide/articles/<slug:slug>/modifier/", knowledge.article_edit, name="kb_edit"),
    path("aide/articles/<slug:slug>/statut/<str:action>/", knowledge.article_status, name="kb_status"),
    path("aide/suggestions/", knowledge.suggestions, name="kb_suggestions"),
    path("aide/suggestions/ca-m-a-aide/", knowledge.helped, name="kb_helped"),
    path("aide/concerne/<str:reference>/", knowledge.join, name="kb_join"),
    path("demandes/<str:reference>/article/", knowledge.article_from_ticket, name="kb_from_ticket"),
    path("recherche/", knowledge.ticket_search, name="kb_search"),
    path("pilotage/", dashboard.dashboard, name="dashboard"),
    path("pilotage/export/<str:table>.csv", dashboard.export_csv, name="dashboard_csv"),
    path("pilotage/bilan/", annual_report_views.annual_report, name="annual_report"),
    path("pilotage/bilan/rapport.pdf", annual_report_views.annual_report_pdf, name="annual_report_pdf"),
    path("pilotage/bilan/tableaux.zip", annual_report_views.annual_report_csv, name="annual_report_csv"),
    path("charte/", charter_views.communications, name="charter_list"),
    path("charte/nouvelle/", charter_views.submit, name="charter_submit"),
    path("charte/<int:pk>/", charter_views.detail, name="charter_detail"),
    path("charte/<int:pk>/<str:action>/", charter_views.action, name="charter_action"),
    path("conventions/", convention_views.conventions, name="conventions"),
    path("conventions/<int:pk>/", convention_views.detail, name="convention_detail"),
    path("conventions/<int:pk>/avenant/", convention_views.import_annex_view, name="convention_import"),
    path("conventions/<int:pk>/participations.csv", convention_views.fees_csv, name="convention_fees_csv"),
    path("conventions/<int:pk>/participations.pdf", convention_views.fees_pdf, name="convention_fees_pdf"),
    path("pilotage/revues/", pilotage_views.reviews, name="pilotage_reviews"),
    path("pilotage/revues/<int:pk>/", pilotage_views.review, name="pilotage_review"),
    path("pilotage/actions/<int:pk>/", pilotage_views.action_update, name="pilotage_action"),
    path("interruptions/<int:pk>/incident-majeur/", pilotage_views.declare_outage, name="pilotage_declare_outage"),
    path("demandes/<str:reference>/incident-majeur/", pilotage_views.declare_ticket, name="pilotage_declare_ticket"),
    path("etat/", status_views.status_page, name="status"),
    path("etat/flux.atom", status_views.status_feed, name="status_feed"),
    path("etat/etat.json", status_views.status_json, name="status_json"),
    path("etat/interruptions/<int:pk>/je-suis-concerne/", status_views.join, name="status_join"),
    *evolution_views.URLS,  # demandes d'évolution (evolutions app)
]

# Password reset by e-mail: Django's views, French URLs, names without namespace (Django's own).
auth_urlpatterns = [
    path("mot-de-passe/oubli/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/nouveau/fait/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

if getattr(settings, "OIDC_ENABLED", False):
    auth_urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
