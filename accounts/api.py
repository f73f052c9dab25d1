"""The API for accounts: my profile and settings, my API tokens, and public profiles."""

from django.http import Http404
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import names, selectors, services
from accounts.forms import SettingsForm
from accounts.models import ApiToken, User, username_validator
from config.api import ApiModelSerializer


def member_or_404(username: str) -> User:
    """The active member with this username; 404 too for text no username can be."""
    if len(username) > User._meta.get_field("username").max_length or not username_validator.regex.search(
        username
    ):
        raise Http404(_("No such member."))
    return selectors.public_profile(username=username)


class UserSummarySerializer(ApiModelSerializer):
    """Who wrote or did something: the public handle and name."""

    class Meta:
        model = User
        fields = ["username", "display_name"]
        read_only_fields = fields


class PublicProfileSerializer(ApiModelSerializer):
    role = serializers.ChoiceField(choices=["learner", "mentor", "admin"], read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = User
        fields = ["username", "display_name", "bio", "role", "date_joined", "is_progress_public", "url"]
        read_only_fields = fields


class MeSerializer(ApiModelSerializer):
    """My profile and settings. Changes go through the settings form, so the API and the
    settings page accept exactly the same values."""

    role = serializers.ChoiceField(choices=["learner", "mentor", "admin"], read_only=True)
    is_suspended = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "username",
            "email",
            "display_name",
            "bio",
            "timezone",
            "language",
            "digest_frequency",
            "digest_hour",
            "is_progress_public",
            "weekly_goal",
            "role",
            "date_joined",
            "is_suspended",
            "suspended_until",
        ]
        read_only_fields = ["username", "email", "role", "date_joined", "is_suspended", "suspended_until"]
        extra_kwargs = {
            "display_name": {
                "help_text": format_lazy(
                    "{} {}", gettext_lazy("Shown beside your username."), names.RULES_IN_WORDS
                )
            }
        }

    def update(self, instance, validated_data):
        current = {name: getattr(instance, name) for name in SettingsForm.Meta.fields}
        form = SettingsForm(data={**current, **validated_data}, instance=instance)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    field: [message for error in errors for message in error.messages]
                    for field, errors in form.errors.as_data().items()
                }
            )
        return form.save()


class MeSerializerSchema(OpenApiSerializerExtension):
    """States the name rules (accounts.names) for a new display name, as far as a pattern can;
    a name kept from before stays allowed, so the answer does not promise it."""

    target_class = MeSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["properties"]["display_name"]["pattern"] = names.SCHEMA_PATTERN
        return schema


class ApiTokenSerializer(ApiModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "key_prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class MeView(generics.RetrieveUpdateAPIView):
    """My profile and settings (digest frequency and hour, timezone, public progress)."""

    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "options"]

    def get_object(self):
        return self.request.user


class ApiTokenList(generics.ListAPIView):
    """My personal API tokens (never their keys). Tokens are created on the settings page."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.api_tokens(user=self.request.user)


class ApiTokenRevoke(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, summary="Revoke one of my API tokens")
    def delete(self, request, pk):
        if not services.revoke_api_token(user=request.user, token_id=pk):
            raise Http404(_("You have no token with this id."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublicProfile(generics.RetrieveAPIView):
    """A member's public profile. Their progress is at /users/{username}/progress/ when public."""

    serializer_class = PublicProfileSerializer
    permission_classes = [AllowAny]

    def get_object(self):
        return member_or_404(self.kwargs["username"])


urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/tokens/", ApiTokenList.as_view(), name="token-list"),
    path("me/tokens/<int:pk>/", ApiTokenRevoke.as_view(), name="token-revoke"),
    path("users/<str:username>/", PublicProfile.as_view(), name="user-detail"),
]
