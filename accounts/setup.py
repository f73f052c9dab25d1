"""What a fresh database needs besides its tables, made again after every `migrate` and every
`flush`: the Mentors group and the site's name.

Data migrations fill these once, but `manage.py flush` (which the tests that run real servers
use to clean up) empties every table and then sends `post_migrate`, as after a migrate. Django
re-creates its content types, permissions and default site from that signal; this does the same
for ours. Only what is missing is made: a group an admin has changed, or a site renamed in the
admin, is left as it is.
"""

from urllib.parse import urlsplit

from django.conf import settings

MENTOR_PERMISSIONS = ["moderate_community"]
DEFAULT_DOMAIN = "example.com"  # the domain django.contrib.sites gives the site it creates


def mentors_group_and_site(**kwargs):
    """post_migrate receiver of the accounts app. Its signal comes after the sites app's (which
    made the default site) and auth's receiver has just made the app's permissions."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.sites.models import Site

    from accounts.models import MENTORS_GROUP

    group, created = Group.objects.get_or_create(name=MENTORS_GROUP)
    if created:
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="accounts", codename__in=MENTOR_PERMISSIONS)
        )
    domain = urlsplit(settings.SITE_URL).netloc or "127.0.0.1:8000"
    Site.objects.filter(pk=settings.SITE_ID, domain=DEFAULT_DOMAIN).update(domain=domain, name="Stepwise")
