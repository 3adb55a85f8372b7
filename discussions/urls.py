from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("", views.home, name="home"),
    path("cohorts/<int:pk>/", views.cohort_threads, name="cohort"),
    path("cohorts/<int:pk>/new/", views.thread_create, name="thread_create"),
    path("cohorts/<int:pk>/search/", views.cohort_search, name="search"),
    path("threads/<int:pk>/", views.thread_detail, name="thread"),
    path("threads/<int:pk>/new-posts/", views.thread_poll, name="thread_poll"),
    path("threads/<int:pk>/reply/", views.thread_reply, name="reply"),
    path("threads/<int:pk>/subscription/", views.thread_subscribe, name="subscribe"),
    path("threads/<int:pk>/pin/", views.thread_pin, name="thread_pin"),
    path("posts/<int:pk>/", views.post_permalink, name="post"),
    path("posts/<int:pk>/pin/", views.post_pin, name="post_pin"),
    path("posts/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("posts/<int:pk>/unhide/", views.post_unhide, name="post_unhide"),
    path("posts/<int:pk>/answer/", views.post_mark_answer, name="answer"),
    path("lessons/<int:pk>/questions/", views.item_questions, name="item_questions"),
]
