from django.urls import path

from roadmap import views

app_name = "roadmap"

urlpatterns = [
    path("", views.roadmap_list, name="roadmap-list"),
    path("<slug:slug>/", views.roadmap_detail, name="roadmap-detail"),
    path("<slug:slug>/reset/", views.roadmap_reset, name="roadmap-reset"),
    path("<slug:slug>/progress.<str:fmt>", views.progress_download, name="progress-download"),
    path("<slug:slug>/projects/<int:section_id>/", views.project_detail, name="project-detail"),
    path("<slug:slug>/<slug:topic>/", views.topic_detail, name="topic-detail"),
    path("<slug:slug>/<slug:topic>/quiz/", views.topic_quiz, name="topic-quiz"),
    path("<slug:slug>/<slug:topic>/quiz/<int:attempt_id>/", views.quiz_result, name="quiz-result"),
    path("<slug:slug>/<slug:topic>/progress/", views.topic_progress, name="topic-progress"),
    path("<slug:slug>/<slug:topic>/note/", views.topic_note, name="topic-note"),
]
