from django.urls import path

from community import feeds, views

app_name = "community"

urlpatterns = [
    path("discussions/", views.thread_list, name="thread-list"),
    path("discussions/new/", views.thread_create, name="thread-create"),
    path("discussions/preview/", views.markdown_preview, name="markdown-preview"),
    path("discussions/saved/", views.bookmark_list, name="bookmark-list"),
    path("discussions/<int:pk>/", views.thread_redirect, name="thread-redirect"),
    path("discussions/<int:pk>/<slug:slug>/", views.thread_detail, name="thread-detail"),
    path("discussions/<int:pk>/<slug:slug>/edit/", views.thread_edit, name="thread-edit"),
    path("discussions/<int:pk>/<slug:slug>/delete/", views.thread_delete, name="thread-delete"),
    path("discussions/<int:pk>/<slug:slug>/comments/", views.comment_create, name="comment-create"),
    path("discussions/<int:pk>/<slug:slug>/react/", views.thread_react, name="thread-react"),
    path("discussions/<int:pk>/<slug:slug>/follow/", views.thread_follow, name="thread-follow"),
    path("discussions/<int:pk>/<slug:slug>/bookmark/", views.thread_bookmark, name="thread-bookmark"),
    path("discussions/<int:pk>/<slug:slug>/flag/", views.thread_flag, name="thread-flag"),
    path("comments/<int:pk>/", views.comment_link, name="comment-link"),
    path("comments/<int:pk>/flag/", views.comment_flag, name="comment-flag"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment-delete"),
    path("comments/<int:pk>/react/", views.comment_react, name="comment-react"),
    path("comments/<int:pk>/accept/", views.comment_accept, name="comment-accept"),
    path("tags/", views.tag_index, name="tag-index"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("tags/<slug:slug>/follow/", views.tag_follow, name="tag-follow"),
    path("topics/<int:pk>/follow/", views.topic_follow, name="topic-follow"),
    path("search/", views.search, name="search"),
    path("mod/", views.mod_queue, name="mod-queue"),
    path("mod/log/", views.mod_log, name="mod-log"),
    path("mod/tags/", views.mod_tags, name="mod-tags"),
    path("mod/users/<str:username>/", views.mod_user, name="mod-user"),
    path("mod/users/<str:username>/<str:action>/", views.mod_user, name="mod-user-action"),
    path("mod/<str:kind>/<int:pk>/<str:action>/", views.mod_content_action, name="mod-action"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("feeds/latest/", feeds.LatestThreadsFeed(), name="feed-latest"),
    path("feeds/tags/<slug:slug>/", feeds.TagThreadsFeed(), name="feed-tag"),
    path("digest/unsubscribe/<str:token>/", views.digest_unsubscribe, name="digest-unsubscribe"),
]
