"""The community API: threads and comments with their reactions, flags, follows and
bookmarks; my notifications and review requests; and, for mentors, the desk of review
requests, claims and decisions, the flag queue, moderation acts and audit log."""

from django.urls import path

from community.api import mentorship, mine, moderation, threads

urlpatterns = [
    path("threads/", threads.ThreadList.as_view(), name="thread-list"),
    path("threads/<int:pk>/", threads.ThreadDetail.as_view(), name="thread-detail"),
    path("threads/<int:pk>/comments/", threads.CommentList.as_view(), name="comment-list"),
    path("threads/<int:pk>/reactions/<str:kind>/", threads.ReactionView.as_view(), name="thread-reaction"),
    path("threads/<int:pk>/flags/", threads.FlagView.as_view(), name="thread-flag"),
    path("threads/<int:pk>/follow/", threads.ThreadFollow.as_view(), name="thread-follow"),
    path("threads/<int:pk>/watch/", threads.ThreadWatch.as_view(), name="thread-watch"),
    path("threads/<int:pk>/bookmark/", threads.ThreadBookmark.as_view(), name="thread-bookmark"),
    path("comments/<int:pk>/", threads.CommentDetail.as_view(), name="comment-detail"),
    path("comments/<int:pk>/accept/", threads.AcceptedAnswer.as_view(), name="comment-accept"),
    path(
        "comments/<int:pk>/reactions/<str:kind>/",
        threads.CommentReactionView.as_view(),
        name="comment-reaction",
    ),
    path("comments/<int:pk>/flags/", threads.CommentFlagView.as_view(), name="comment-flag"),
    path("tags/", threads.TagList.as_view(), name="tag-list"),
    path("tags/<slug:slug>/follow/", threads.TagFollow.as_view(), name="tag-follow"),
    path(
        "roadmaps/<slug:slug>/topics/<slug:topic>/follow/", threads.TopicFollow.as_view(), name="topic-follow"
    ),
    path("me/notifications/", mine.NotificationList.as_view(), name="notification-list"),
    path("me/notifications/read/", mine.NotificationReadAll.as_view(), name="notification-read-all"),
    path("me/notifications/<int:pk>/", mine.NotificationDetail.as_view(), name="notification-detail"),
    path("me/notifications/<int:pk>/read/", mine.NotificationRead.as_view(), name="notification-read"),
    path("me/bookmarks/", mine.BookmarkList.as_view(), name="bookmark-list"),
    path("me/follows/", mine.FollowList.as_view(), name="follow-list"),
    *mentorship.routes(),
    path("me/email-settings/", mine.EmailSettings.as_view(), name="email-settings"),
    path("mod/flags/", moderation.OpenFlagList.as_view(), name="mod-flag-list"),
    path("mod/flagged/", moderation.FlaggedPostList.as_view(), name="mod-flagged-list"),
    path("mod/log/", moderation.AuditLog.as_view(), name="mod-log"),
    *(path(route, view, name=name) for route, view, name in moderation.act_routes()),
]
