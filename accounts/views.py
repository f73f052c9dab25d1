import json

from allauth.account.views import LoginView as AllauthLoginView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import caches, hooks, selectors, services
from accounts.forms import ApiTokenForm, DeleteAccountForm, SettingsForm
from config import language
from config.page_cache import anonymous_page
from config.slots import render_page


class LoginView(AllauthLoginView):
    """allauth's login page, except that a login refused by a rate limit (too many failures for
    this account or from this address) answers 429, with the message and what was typed, where
    allauth answers 200."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts"):
            response.status_code = 429
        return response


login = LoginView.as_view()


@require_safe
@anonymous_page(caches.PROFILE_PAGE)
def profile(request, username):
    """A member's public profile: their body from the cache (their own for the owner, one for
    everyone else, both for the owner's today), in the page's cached shell for members."""
    owner = selectors.profile_owner(username=username)
    if owner is None:
        raise Http404(_("No member has this username."))
    is_own_profile = request.user.is_authenticated and request.user.pk == owner.id
    profile_user = SimpleLazyObject(lambda: selectors.public_profile(username=username))

    def build():
        # Everyone but the owner gets the same body, built for no one in particular: nothing of
        # the visitor, and nothing private of the owner's, can be in it.
        viewer = profile_user if is_own_profile else AnonymousUser()
        context = {
            "profile_user": profile_user,
            "is_own_profile": is_own_profile,
            "sections": hooks.profile_sections(profile_user=profile_user, viewer=viewer),
        }
        return render_to_string("accounts/profile_body.html", context).encode()

    body = caches.PROFILE_BODY.get(
        user_id=owner.id,
        variant="owner" if is_own_profile else "public",
        day=owner.today().isoformat(),
        build=build,
    )
    return render_page(
        request,
        "accounts/profile.html",
        {"profile_user": profile_user},
        body=body,
        shell=caches.PROFILE_SHELL.bind(user_id=owner.id),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_view(request):
    form = SettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            if "language" in form.changed_data:
                language.remember(request, user.language)
            messages.success(request, _("Your settings are saved."))
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
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.delete_account(user=request.user)
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for learning with us."))
            return redirect("home")
        return render(request, "accounts/delete.html", {"form": form}, status=400)
    return render(request, "accounts/delete.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request):
    """My API tokens. A new token's key is shown in the answer to the POST that made it, once:
    it is not stored, so it cannot be shown again."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _, new_key = services.create_api_token(user=request.user, name=form.cleaned_data["name"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                status = 201
                form = ApiTokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": selectors.api_tokens(user=request.user), "new_key": new_key},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    if not services.revoke_api_token(user=request.user, token_id=pk):
        raise Http404(_("You have no token with this id."))
    messages.success(request, _("The token is revoked: requests that use it are refused from now on."))
    return redirect("accounts:token-list")
