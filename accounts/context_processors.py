"""Values every template needs: the theme the visitor chose, and where to write to the mentors."""

from django.conf import settings

THEMES = {"light", "dark"}


def site(request):
    theme = request.COOKIES.get("theme")
    return {"theme": theme if theme in THEMES else "", "contact_email": settings.CONTACT_EMAIL}
