"""The cache layer: what is cached, under which keys, for how long, and what retires it.

Each app declares, in its `caches.py` and nowhere else:

- its version tokens (`Token`): a token is a random value whose change retires everything
  cached under it (config.cache.version_tokens). `Token("thread")` is one token per thread,
  `Token("lists", scoped=False)` one for the whole site;
- what it caches (`Cached`): a name, the arguments the value varies on (its key), the tokens
  it depends on, a timeout from TIMEOUTS, the function that builds it, and whether it depends
  on the active language;
- which model changes bump which tokens (`Rule`, `M2MRule`): the app's rows of the one
  invalidation table. Receivers for post_save, pre_delete and m2m_changed apply the table to
  every write that sends a signal, whoever makes it (a service, the admin and its actions and
  inlines, an import, `manage.py shell`, a data migration). A write that sends none
  (`QuerySet.update()`, an `F()` counter, `bulk_create`) calls `touch()` for the rows it changed.

Every bump happens at once and again after the transaction commits: a reader that cached the
old rows between the two (it could not see the uncommitted write yet) is retired by the second.
The second also announces the new versions of live topics to open pages (config.live).
Every key holds the release (config.cache.code_version) and the cache epoch, which moves when
Redis answers again after an outage, so bumps lost meanwhile cannot leave stale values.
"""

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models.base import ModelState
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.utils import translation
from django.utils.module_loading import import_string

from config import live
from config.cache import Remembered, bump_version_tokens, read_ahead, version_tokens, versioned_get_or_set

MINUTE = 60

# How long each kind of thing may be kept. A value is retired by its tokens long before it
# expires; the timeout bounds what a token cannot cover (an evicted token, a lost bump) and the
# memory a cold entry holds.
TIMEOUTS = {
    "page": 10 * MINUTE,  # whole pages for anonymous visitors
    "fragment": 10 * MINUTE,  # rendered HTML shared by viewers of a kind
    "structure": 60 * MINUTE,  # roadmaps, topics, the map: content that changes rarely
    "viewer": 10 * MINUTE,  # one viewer's state on a page, their unread count
    "progress": 60 * MINUTE,  # one learner's statuses
    "search": 10 * MINUTE,
    "api": 10 * MINUTE,  # API answers for anonymous clients
    "cards": 1 * MINUTE,  # the home page's thread cards (their "2 minutes ago" ages)
    # Short: should a bump be lost, a changed user is read afresh within this anyway.
    "user": 5 * MINUTE,
    "permissions": 60 * MINUTE,
    "rate": 2 * MINUTE,  # counters of a minute's requests
}


class Token:
    """A family of version tokens: one per scope (a thread's id, a user's id), or one for all.

    A token `per_user` is scoped by a user's id and read, with every other such token, in the
    round trip that loads a signed-in visitor (user_token_keys): their pages read it next. A
    token for all that is `read_with_member` is read in that round trip too: what it retires
    shows on members' pages whatever the page (the mentors' counts in the header)."""

    def __init__(
        self, name: str, *, scoped: bool = True, per_user: bool = False, read_with_member: bool = False
    ):
        self.name = name
        self.scoped = scoped
        if per_user:
            _PER_USER.append(self)
        if read_with_member:
            if scoped:
                raise TypeError(
                    f"Token {name!r}: only a token for all is read with a member (per_user is scoped)"
                )
            _WITH_MEMBER.append(self)

    def __repr__(self):
        return f"Token({self.name!r})"

    def key(self, scope=None) -> str:
        """The cache key the token for `scope` is stored at."""
        if self.scoped == (scope is None):
            raise TypeError(f"Token {self.name!r} {'needs' if self.scoped else 'takes no'} scope")
        return f"token:{self.name}" if scope is None else f"token:{self.name}:{scope}"

    def keys(self, scopes: Iterable) -> list[str]:
        return [self.key(scope) for scope in scopes if scope is not None]

    def bump(self, *scopes) -> None:
        """Retire what is cached under these tokens: now and after commit (prefer `touch()`,
        which says which rows changed)."""
        bump_now_and_after_commit(self.keys(scopes) if self.scoped else [self.key()])


_PER_USER: list[Token] = []
_WITH_MEMBER: list[Token] = []


def user_token_keys(user_id) -> list[str]:
    """The keys of every per-user token of this user, and of the tokens read with a member."""
    return [*(token.key(user_id) for token in _PER_USER), *(token.key() for token in _WITH_MEMBER)]


def read_tokens(*keys: str) -> None:
    """Read these tokens now, in one round trip; the request keeps them for what reads them next."""
    version_tokens(*keys)


def bump_now_and_after_commit(keys: Iterable[str]) -> None:
    keys = list(dict.fromkeys(keys))
    if not keys:
        return

    def bump():
        bump_version_tokens(*keys)

    def bump_and_announce():
        bump()
        live.announce(keys)  # open pages hear of it once it is committed (config.live)

    bump()
    transaction.on_commit(bump_and_announce)


@dataclass(frozen=True)
class Cached:
    """One kind of cached value.

    `key` names the arguments it varies on; `tokens(**key)` returns the keys of the tokens it
    depends on; `build` (a callable or its dotted path) makes the value from the key's
    arguments and any others passed to `get()` (inputs that only reach what the key names,
    such as the Roadmap whose id is in the key). HTML rendered from a view's context is
    declared with `build=None` and built by the function the caller passes to `get()`.

    A value that depends on the viewer's role, host or language says so: role and host as
    arguments of the key, language with `per_language`. A build returning None is not cached.
    """

    name: str
    key: tuple[str, ...]
    tokens: Callable[..., Iterable[str]]
    timeout: str
    build: Callable | str | None
    per_language: bool = False

    def __post_init__(self):
        if self.timeout not in TIMEOUTS:
            raise ValueError(f"{self.name}: unknown timeout {self.timeout!r}; add it to TIMEOUTS")
        _DECLARED.setdefault(self.name, self)
        if _DECLARED[self.name] is not self:
            raise ValueError(f"A cached value named {self.name!r} is declared twice")

    def get(self, *, build: Callable | None = None, **arguments):
        """The value for these arguments: from memory, the shared cache, or built (by the
        declared `build`, or, for a value declared with `build=None`, by the given one)."""
        if (build is None) == (self.build is None):
            raise TypeError(f"{self.name}: pass build= exactly when the declaration has none")
        missing = [name for name in self.key if name not in arguments]
        if missing:
            raise TypeError(f"{self.name} is keyed by {', '.join(missing)} too")
        values = {name: arguments[name] for name in self.key}
        tokens = version_tokens(*self.tokens(**values))
        parts = [*(f"{name}={values[name]}" for name in self.key), *tokens]
        if self.per_language:
            parts.append(f"language={translation.get_language()}")
        return versioned_get_or_set(
            f"{self.name}:{_digest(tuple(parts))}",
            build or (lambda: self.builder(**arguments)),
            TIMEOUTS[self.timeout],
        )

    def read_ahead(self, **arguments) -> None:
        """Have the tokens of the value for these arguments read in the request's next round
        trip for tokens: a view that reads the value after loading its visitor calls this
        first, so that both are read at once (config.cache.read_ahead)."""
        read_ahead(*self.tokens(**{name: arguments[name] for name in self.key}))

    def bind(self, **arguments) -> Callable:
        """`get` with these arguments given, for code that adds the others (a page's shell:
        config.slots.render_page adds SHELL_KEY)."""
        return functools.partial(self.get, **arguments)

    @functools.cached_property
    def builder(self) -> Callable:
        """The declared build function (imported on first use: it may live in a module that
        imports this declaration)."""
        return import_string(self.build) if isinstance(self.build, str) else self.build


_DECLARED: dict[str, Cached] = {}

# The digests of the keys this process made lately: a page asks for the same values again and
# again, and hashing a key cost more than the rest of finding its value in memory.
_digests = Remembered(most=8192)


def _digest(parts: tuple[str, ...]) -> str:
    digest = _digests.get(parts)
    if digest is None:
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
        _digests.remember(parts, digest)
    return digest


def own_copy(instance: models.Model) -> models.Model:
    """A request's own copy of a model instance that this process's requests share (one kept
    in memory by a Cached value): what copy.copy makes of it, as Django's __getstate__ says (its
    own ModelState, the related objects it has cached copied one level), without the detour
    through pickling's protocol, which cost a third of loading a signed-in member."""
    state = ModelState.__new__(ModelState)
    state.__dict__.update(instance._state.__dict__)
    state.fields_cache = instance._state.fields_cache.copy()
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__.update(instance.__dict__)
    clone._state = state
    return clone


def declared() -> dict[str, Cached]:
    """Every cached value, by name (for the docs and the tests)."""
    return dict(_DECLARED)


@dataclass(frozen=True)
class Counter:
    """A count kept in the cache for a while (a rate limit's window), keyed by `key`."""

    name: str
    key: tuple[str, ...]
    timeout: str

    def increment(self, **arguments) -> int:
        from django.core.cache import cache

        key = f"{self.name}:" + ":".join(str(arguments[name]) for name in self.key)
        cache.add(key, 0, timeout=TIMEOUTS[self.timeout])
        try:
            return cache.incr(key)
        except ValueError:  # expired between the two calls
            return 1


# --- The invalidation table ------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A row of the invalidation table: a save or a deletion of `model` bumps `tokens(row)`.

    With `fields`, only a save that changes one of them does, or one that creates the row
    unless `on_create` is False (nothing shows a new user's name yet). `tokens` may look up what shows the row: on a deletion it is called before
    the row (and what cascades from it) is gone. With `before`, a save also bumps the tokens of the row as it was
    (a thread moved to another topic changes the counts of both)."""

    model: type[models.Model]
    tokens: Callable[[models.Model], Iterable[str]]
    fields: frozenset[str] | None = None
    before: frozenset[str] = frozenset()
    on_create: bool = True

    def __post_init__(self):
        _RULES.setdefault(self.model, []).append(self)
        _connect(self.model)


@dataclass(frozen=True)
class M2MRule:
    """A row of the table for a many-to-many relation: adding, removing or clearing links of
    `through` bumps `tokens(ids)`, `ids` being the pks of the forward side's rows touched
    (whichever side the change was made from)."""

    through: type[models.Model]
    tokens: Callable[[set[int]], Iterable[str]]
    reverse_set: str  # the reverse accessor on the related model, for a clear from that side

    def __post_init__(self):
        m2m_changed.connect(self._changed, sender=self.through, weak=False, dispatch_uid=f"m2m-{id(self)}")

    def _changed(self, sender, instance, action, reverse, pk_set, **kwargs):
        if action not in {"post_add", "post_remove", "pre_clear"}:
            return
        if not reverse:
            ids = {instance.pk}
        elif action == "pre_clear":
            ids = set(getattr(instance, self.reverse_set).values_list("pk", flat=True))
        else:
            ids = set(pk_set or ())
        if ids:
            bump_now_and_after_commit(self.tokens(ids))


_RULES: dict[type[models.Model], list[Rule]] = {}
_CONNECTED: set[type[models.Model]] = set()


def rules() -> dict[type[models.Model], list[Rule]]:
    """The invalidation table: every model whose changes retire cached values, with its rows."""
    return {model: list(found) for model, found in _RULES.items()}


class _Before:
    """A row's values as they were before a save, with the same attribute names."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


def _connect(model) -> None:
    if model in _CONNECTED:
        return
    _CONNECTED.add(model)
    uid = f"cache-rules-{model._meta.label}"
    pre_save.connect(_before_save, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, weak=False, dispatch_uid=uid)
    pre_delete.connect(_deleting, sender=model, weak=False, dispatch_uid=uid)


def _watched_fields(model, update_fields) -> set[str]:
    watched = set()
    for rule in _RULES[model]:
        watched |= set(rule.fields or ()) | rule.before
    return watched & set(update_fields) if update_fields is not None else watched


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """Remember which watched fields this save changes, and their values before (one query,
    only when a rule watches a field the save may change)."""
    instance._cache_changed = set()
    instance._cache_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    watched = _watched_fields(sender, update_fields)
    if not watched:
        return
    attnames = {name: _attname(sender, name) for name in watched}
    before = sender._default_manager.filter(pk=instance.pk).values(*attnames.values()).first()
    if before is None:
        return
    instance._cache_changed = {
        name for name, attname in attnames.items() if before[attname] != getattr(instance, attname)
    }
    instance._cache_before = _Before({"pk": instance.pk, **before})


def _saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # loaddata: fixtures load into an empty site
        return
    changed = getattr(instance, "_cache_changed", set())
    before = getattr(instance, "_cache_before", None)
    keys = []
    for rule in _RULES[sender]:
        if rule.fields is None or (rule.on_create if created else rule.fields & changed):
            keys += rule.tokens(instance)
        if before is not None and rule.before & changed:
            keys += rule.tokens(before)
    bump_now_and_after_commit(keys)


def _deleting(sender, instance, **kwargs):
    keys = []
    for rule in _RULES[sender]:
        keys += rule.tokens(instance)
    bump_now_and_after_commit(keys)


def touch(target, *more, fields: Iterable[str] | None = None) -> None:
    """Retire what shows these rows, for a write that sends no signal.

        Thread.objects.filter(pk=pk).update(comment_count=F("comment_count") + 1)
        touch(Thread, pk, fields={"comment_count"})

    `target` is a model with the pks of the rows changed, a queryset of them, or a row
    followed by more rows. The model's rules apply as for a save that changed `fields`
    (every field if None), to the rows as they are now: an update that moves a row elsewhere
    (a thread to another topic) touches it before the update as well as after.
    """
    if isinstance(target, type) and issubclass(target, models.Model):
        model, instances = target, list(target._default_manager.filter(pk__in=more)) if more else []
    elif isinstance(target, models.QuerySet):
        model, instances = target.model, list(target)
    else:
        model, instances = type(target), [target, *more]
    changed = set(fields) if fields is not None else None
    keys = []
    for rule in _RULES.get(model, ()):
        if changed is not None and rule.fields is not None and not rule.fields & changed:
            continue
        for instance in instances:
            keys += rule.tokens(instance)
    bump_now_and_after_commit(keys)
