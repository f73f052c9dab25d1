"""Values every template needs: the theme the visitor chose."""

THEMES = {"light", "dark"}


def site(request):
    theme = request.COOKIES.get("theme")
    return {"theme": theme if theme in THEMES else ""}
