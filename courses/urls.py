from django.urls import path

from . import views, views_staff
from . import views_authoring as authoring

app_name = "courses"

urlpatterns = [
    path("", views_staff.course_list, name="list"),
    path("<int:pk>/", views.course_detail, name="detail"),
    path("<int:pk>/search/", views.course_search, name="search"),
    path("modules/<int:pk>/", views.module_detail, name="module"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/complete/", views.item_complete, name="item_complete"),
    path("items/<int:pk>/watched/", views.item_watched, name="item_watched"),
    path("items/<int:pk>/quiz/", views.quiz_submit, name="quiz_submit"),
    path("items/<int:pk>/quiz/start/", views.quiz_start, name="quiz_start"),
    path("items/<int:pk>/quiz/<int:number>/", views.quiz_result, name="quiz_result"),
    path("items/<int:pk>/reflection/", views.reflection_save, name="reflection_save"),
    path("items/<int:pk>/files/<str:which>/", views.item_file, name="item_file"),
    path("journal/", views.journal, name="journal"),
    path("images/<str:name>", views.course_image, name="image"),
    path("<int:pk>/images/", authoring.course_image_upload, name="image_upload"),
    # Authoring
    path("<int:pk>/edit/", authoring.course_edit, name="edit"),
    path("<int:pk>/export/", authoring.course_export, name="export"),
    path("<int:pk>/copy/", authoring.course_copy, name="copy"),
    path("<int:pk>/criteria/", authoring.course_criteria, name="criteria"),
    path("<int:pk>/settings/", authoring.course_settings, name="settings"),
    path("cohorts/<int:cohort_pk>/extensions/", authoring.release_extensions, name="extensions"),
    path(
        "cohorts/<int:cohort_pk>/extensions/<int:pk>/delete/",
        authoring.release_extension_delete,
        name="extension_delete",
    ),
    path("import/", authoring.course_import, name="import"),
    path("<int:pk>/questions/", authoring.question_bank, name="question_bank"),
    path("questions/<int:pk>/edit/", authoring.question_edit, name="question_edit"),
    path("questions/<int:pk>/delete/", authoring.question_delete, name="question_delete"),
    path("<int:course_pk>/modules/new/", authoring.module_form, name="module_create"),
    path("modules/<int:pk>/edit/", authoring.module_form, name="module_edit"),
    path("modules/<int:pk>/move/", authoring.module_move, name="module_move"),
    path("modules/<int:pk>/delete/", authoring.module_delete, name="module_delete"),
    path("modules/<int:pk>/reorder/", authoring.items_reorder, name="items_reorder"),
    path("modules/<int:module_pk>/items/new/", authoring.item_form, name="item_create"),
    path("items/<int:pk>/edit/", authoring.item_form, name="item_edit"),
    path("items/<int:pk>/move/", authoring.item_move, name="item_move"),
    path("items/<int:pk>/duplicate/", authoring.item_duplicate, name="item_duplicate"),
    path("items/<int:pk>/delete/", authoring.item_delete, name="item_delete"),
    path("items/<int:pk>/publish/", authoring.publish_toggle, name="item_publish"),
    path("journal/export.<str:fmt>", views.journal_export, name="journal_export"),
]
