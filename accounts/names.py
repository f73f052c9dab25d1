"""The rules for the names members choose: display names in settings, usernames at signup.

A name must not pass for a role or for a staff member or mentor. Roles are shown by a badge
rendered from the role itself, so a name needs no role word; what a name may not do is
borrow one, or another's name, or hide what it says behind invisible or reordering
characters. Names are compared after NFKC normalisation, case folding and the folding of
common look-alikes (Cyrillic and Greek letters, digits for letters), as words: "Badminton"
is a name, "Bad Admin", "SiteAdmin" and "m3ntor" are not.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from config.language import filled_in

ROLE_WORDS = frozenset(
    {"admin", "administrator", "moderator", "mentor", "staff", "stepwise", "support", "official"}
)
# Letters that render blank though Unicode calls them letters or symbols.
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Control and format characters (Cf holds every bidi override, isolate and mark, and the
# zero-width ones), private use, surrogates, unassigned, and line or paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# The same characters as a JSON Schema pattern, for the API schema (`\p{C}` is Cc, Cf, Co, Cs
# and Cn). The role words and the names of mentors and admins no pattern can say.
SCHEMA_PATTERN = "^[^\\p{C}\\u2028\\u2029" + "".join(f"\\u{ord(c):04x}" for c in sorted(INVISIBLE)) + "]*$"
RULES_IN_WORDS = filled_in(
    _(
        "No control, format, private-use or unassigned characters and no invisible letters; no role "
        "word (%(role_words)s), however it is spelled, and not close to the name of a mentor or admin."
    ),
    role_words=", ".join(sorted(ROLE_WORDS)),
)
LOOK_ALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ı": "i", "ɡ": "g", "ℓ": "l",
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
        "|": "l", "!": "i",
    }
)  # fmt: skip
CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])")
WORD = re.compile(r"[^\W\d_]+")


def _refused_character(name: str) -> str | None:
    for character in name:
        if character in INVISIBLE or unicodedata.category(character) in REFUSED_CATEGORIES:
            return character
    return None


def _words(name: str) -> list[str]:
    """The words of a name as compared: normalised, split at camel case, folded."""
    normal = CAMEL_CASE.sub(" ", unicodedata.normalize("NFKC", name))
    stripped = "".join(
        character
        for character in unicodedata.normalize("NFKD", normal.casefold())
        if not unicodedata.combining(character)
    )
    return WORD.findall(stripped.translate(LOOK_ALIKES))


def _skeleton(name: str) -> str:
    return "".join(_words(name))


# What each kind of name may not be, in whole sentences: a language may word "a display
# name" and "a username" differently in each.
REFUSALS = {
    "display_name": {
        "invisible_character": _(
            "A display name cannot contain invisible or text-direction characters "
            "(U+%(code_point)s %(character_name)s). Type it again without them."
        ),
        "role_word": _(
            "A display name cannot include the word “%(word)s”: it would look like a role on Stepwise. "
            "Mentors and admins are shown with a badge instead."
        ),
        "reserved_name": _(
            "A display name is too close to the name of a mentor or admin. Please choose another."
        ),
    },
    "username": {
        "invisible_character": _(
            "A username cannot contain invisible or text-direction characters "
            "(U+%(code_point)s %(character_name)s). Type it again without them."
        ),
        "role_word": _(
            "A username cannot include the word “%(word)s”: it would look like a role on Stepwise. "
            "Mentors and admins are shown with a badge instead."
        ),
        "reserved_name": _(
            "A username is too close to the name of a mentor or admin. Please choose another."
        ),
    },
}


def _refuse(kind: str, code: str, **params) -> ValidationError:
    return ValidationError(REFUSALS[kind][code], code=code, params=params or None)


def _check(name: str, *, kind: str, exclude_user_id) -> None:
    character = _refused_character(name)
    if character is not None:
        raise _refuse(
            kind,
            "invisible_character",
            code_point=f"{ord(character):04X}",
            character_name=unicodedata.name(character, "control character"),
        )
    role_words = sorted(ROLE_WORDS.intersection(_words(name)))
    if role_words:
        raise _refuse(kind, "role_word", word=role_words[0])
    skeleton = _skeleton(name)
    if skeleton and skeleton in {
        _skeleton(other) for other in selectors.staff_and_mentor_names(exclude_user_id=exclude_user_id)
    }:
        raise _refuse(kind, "reserved_name")


def validate_display_name(name: str, *, user=None) -> None:
    """Raise ValidationError if `name` may not be `user`'s display name."""
    _check(name, kind="display_name", exclude_user_id=getattr(user, "pk", None))


def validate_username(name: str, *, user=None) -> None:
    """Raise ValidationError if `name` may not be a new member's username."""
    _check(name, kind="username", exclude_user_id=getattr(user, "pk", None))
