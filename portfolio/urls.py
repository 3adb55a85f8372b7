from django.urls import path

from . import views, views_questions

app_name = "portfolio"

urlpatterns = [
    path("portfolio/", views.portfolio, name="home"),
    path("portfolio/export.pdf", views.portfolio_export, name="export"),
    path("portfolio/reflections/", views.portfolio_reflections, name="reflections"),
    path("portfolio/cards/<int:pk>/edit/", views.card_edit, name="card_edit"),
    path("portfolio/cards/<int:pk>/prefill/", views.card_prefill, name="card_prefill"),
    path("portfolio/cards/<int:pk>/publish/", views.card_publish, name="card_publish"),
    path("portfolio/cards/<int:pk>/withdraw/", views.card_withdraw, name="card_withdraw"),
    # A team member's own answer for their name on the card (portfolio.consent).
    path("portfolio/cards/<int:pk>/names/", views.card_names, name="card_names"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/cards/<int:pk>/", views.card_detail, name="card"),
    # Asking once (a double click posts one message): views_questions.
    path("gallery/cards/<int:pk>/ask/", views_questions.card_ask, name="card_ask"),
    path(
        "gallery/cards/<int:pk>/questions/<int:message>/delete/",
        views_questions.question_delete,
        name="question_delete",
    ),
    path(
        "gallery/cards/<int:pk>/questions/<int:message>/hide/",
        views_questions.question_hide,
        name="question_hide",
    ),
    path(
        "gallery/cards/<int:pk>/questions/<int:message>/unhide/",
        views_questions.question_unhide,
        name="question_unhide",
    ),
    path("gallery/cards/<int:pk>/adapt/", views.card_adapt, name="card_adapt"),
    path(
        "portfolio/cards/<int:pk>/origins/<int:origin>/remove/",
        views.card_unadapt,
        name="card_unadapt",
    ),
    path("gallery/approvals/", views.approvals, name="approvals"),
    path("gallery/approvals/<int:pk>/", views.approval, name="approval"),
    path("osaamisvayla/", views.public_gallery, name="public_gallery"),
    path("osaamisvayla/<int:pk>/", views.public_card, name="public_card"),
]
