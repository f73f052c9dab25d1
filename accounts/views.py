import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import hooks, selectors, services
from accounts.forms import DeleteAccountForm, SettingsForm


def profile(request, username):
    user = selectors.public_profile(username=username)
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_user": user,
            "is_own_profile": request.user == user,
            "sections": hooks.profile_sections(profile_user=user, viewer=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    form = SettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Your settings are saved.")
            return redirect("accounts:settings")
        status = 400
    else:
        status = 200
    return render(request, "accounts/settings.html", {"form": form}, status=status)


@login_required
def export(request):
    data = services.export_user_data(user=request.user)
    stamp = timezone.now().strftime("%Y%m%d")
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="stepwise-{request.user.username}-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.delete_account(user=request.user)
            logout(request)
            messages.success(request, "Your account is deleted. Thank you for learning with us.")
            return redirect("home")
        return render(request, "accounts/delete.html", {"form": form}, status=400)
    return render(request, "accounts/delete.html", {"form": form})
