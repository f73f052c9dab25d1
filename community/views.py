from django.shortcuts import render

from roadmap import selectors as roadmap_selectors


def home(request):
    return render(
        request,
        "home.html",
        {
            "cards": roadmap_selectors.roadmap_cards(viewer=request.user),
            "continue_learning": roadmap_selectors.continue_learning(user=request.user),
        },
    )
