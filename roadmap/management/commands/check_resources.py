"""manage.py check_resources [--roadmap SLUG] [--write-redirects]: check every resource link.

Run it where the internet is reachable. It asks for every published topic's resource URLs,
several at a time, shows its progress, then lists the broken links and the redirected ones
with where they end, and a summary. With --write-redirects, a link moved permanently (301 or
308 all the way to a page that answers) is replaced by its target in the database; export the
roadmap afterwards (export_roadmap) to carry the change into its content file.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from roadmap.link_check import check_links
from roadmap.models import Resource, Roadmap

PROGRESS_EVERY = 25


class Command(BaseCommand):
    help = (
        "Check every published resource URL (status, where redirects end), report broken and moved "
        "links, and with --write-redirects replace permanently moved ones by their target."
    )

    def add_arguments(self, parser):
        parser.add_argument("--roadmap", help="only this roadmap's resources (its slug)")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=8,
            help="links checked at the same time (default 8, at most 32)",
        )
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)"
        )
        parser.add_argument(
            "--write-redirects",
            action="store_true",
            help="replace each permanently moved link by its target (default: only report)",
        )

    def handle(self, *args, roadmap, concurrency, timeout, write_redirects, verbosity, **options):
        if not 1 <= concurrency <= 32:
            raise CommandError(
                gettext("--concurrency must be between 1 and 32, not %(value)s.") % {"value": concurrency}
            )
        if timeout <= 0:
            raise CommandError(
                gettext("--timeout must be more than 0 seconds, not %(value)s.") % {"value": f"{timeout:g}"}
            )
        resources = Resource.objects.filter(topic__is_published=True).select_related("topic__roadmap")
        if roadmap:
            if not Roadmap.objects.filter(slug=roadmap).exists():
                known = ", ".join(Roadmap.objects.values_list("slug", flat=True)) or gettext("none")
                raise CommandError(
                    gettext("No roadmap with the slug %(slug)s (known: %(known)s).")
                    % {"slug": repr(roadmap), "known": known}
                )
            resources = resources.filter(topic__roadmap__slug=roadmap)
        resources = list(resources.order_by("topic__roadmap__position", "topic__position", "position", "pk"))
        urls = [resource.url for resource in resources]
        distinct = len(set(urls))
        self.stdout.write(
            ngettext(
                "Checking %(count)s link of %(resources)s resources, %(concurrency)s at a time",
                "Checking %(count)s links of %(resources)s resources, %(concurrency)s at a time",
                distinct,
            )
            % {"count": distinct, "resources": len(resources), "concurrency": concurrency}
        )
        results = check_links(
            urls,
            concurrency=concurrency,
            timeout=timeout,
            progress=self.show_progress if verbosity >= 1 else None,
        )

        broken = [resource for resource in resources if results[resource.url].is_broken]
        moved = [
            resource
            for resource in resources
            if results[resource.url].is_ok and results[resource.url].is_redirected
        ]
        for resource in broken:
            result = results[resource.url]
            why = f"HTTP {result.status}" if result.status is not None else result.error
            self.stdout.write(self.style.ERROR(f"✗ {resource.topic.slug}: {resource.url} ({why})"))
        written = 0
        for resource in moved:
            result = results[resource.url]
            permanent = result.is_moved_permanently
            line = (
                gettext("→ %(topic)s: %(url)s moved to %(target)s (%(hops)s)")
                if permanent
                else gettext("→ %(topic)s: %(url)s redirects to %(target)s (%(hops)s)")
            )
            hops = " → ".join(map(str, result.hops))
            self.stdout.write(
                line
                % {
                    "topic": resource.topic.slug,
                    "url": resource.url,
                    "target": result.final_url,
                    "hops": hops,
                }
            )
            if write_redirects and permanent:
                written += self.write_target(resource, result.final_url)
        ok = len(resources) - len(broken) - len(moved)
        counts = {"ok": ok, "redirected": len(moved), "broken": len(broken)}
        summary = gettext("%(ok)s ok, %(redirected)s redirected, %(broken)s broken") % counts
        if write_redirects:
            summary += ngettext(
                "; %(count)s link replaced by their target",
                "; %(count)s links replaced by their target",
                written,
            ) % {"count": written}
        elif any(results[resource.url].is_moved_permanently for resource in moved):
            summary += " " + gettext("(run with --write-redirects to replace the permanently moved ones)")
        self.stdout.write(self.style.SUCCESS(summary) if not broken else self.style.WARNING(summary))

    def write_target(self, resource: Resource, target: str) -> int:
        """Replace the link by where it moved (a save: caches follow); never to a plain-http page
        from an https one, nor onto a link the topic already lists."""
        if resource.url.startswith("https://") and not target.startswith("https://"):
            self.stdout.write("  " + gettext("kept: the target is not https"))
            return 0
        if Resource.objects.filter(topic_id=resource.topic_id, url=target).exists():
            self.stdout.write("  " + gettext("kept: the topic already lists the target"))
            return 0
        resource.url = target
        resource.save(update_fields=["url"])
        return 1

    def show_progress(self, done: int, total: int, result) -> None:
        """A line rewritten in place on a terminal; one line every few links otherwise."""
        if self.stdout.isatty():
            self.stdout.write(
                "\r  " + gettext("checked %(done)s/%(total)s") % {"done": done, "total": total},
                ending="\n" if done == total else "",
            )
            self.stdout.flush()
        elif done % PROGRESS_EVERY == 0 or done == total:
            self.stdout.write("  " + gettext("checked %(done)s/%(total)s") % {"done": done, "total": total})
