"""Every colour the code highlighter (Pygments, classes hl-*) gives a token reads against the
code block's background at 4.5:1 or more (WCAG 1.4.3), in every theme a page can be in: light;
dark chosen on the site; dark from the system's preference; and both at once.

The colours are read from static/css/app.css as the browser would apply them: the plain
`.hl-*` rules, then the dark rules (`:root[data-theme="dark"] .hl-*`, and those inside the
prefers-color-scheme media query), which are more specific, the later winning among equals.
A token with no dark rule of its own keeps its light colour on the dark background."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "static" / "css" / "app.css").read_text()
MINIMUM = 4.5

# Which rules hold in each theme: plain ones always; "site-dark" (:root[data-theme="dark"]),
# "system-dark" (the media query, :root:not([data-theme="light"])).
THEMES = {
    "light": set(),
    "dark chosen on the site": {"site-dark"},
    "dark from the system": {"system-dark"},
    "dark chosen on the site and the system": {"site-dark", "system-dark"},
}


def rules(css: str):
    """(selector, declarations, inside the dark media query) for each rule, in source order."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found, position, media = [], 0, []
    pattern = re.compile(r"([^{}]*)\{|\}")
    while match := pattern.search(css, position):
        position = match.end()
        if match.group(0) == "}":
            if media:
                media.pop()
            continue
        prelude = match.group(1).strip()
        if prelude.startswith("@"):
            media.append(prelude)
            continue
        end = css.index("}", position)
        in_dark = any("prefers-color-scheme: dark" in each for each in media)
        found.append((prelude, css[position:end], in_dark))
        position = end + 1
    return found


def declarations(block: str) -> dict[str, str]:
    return {
        name.strip(): value.strip()
        for name, _, value in (part.partition(":") for part in block.split(";"))
        if value.strip()
    }


def condition(selector: str, in_dark_media: bool) -> str | None:
    """Which theme a :root-level selector belongs to: "" (any), a dark kind, or None (light only)."""
    if in_dark_media and ':root:not([data-theme="light"])' in selector:
        return "system-dark"
    if ':root[data-theme="dark"]' in selector:
        return "site-dark"
    if ':root[data-theme="light"]' in selector or in_dark_media:
        return None
    return ""


def variables(theme: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for selector, block, in_dark in rules(CSS):
        for part in selector.split(","):
            kind = condition(part.strip(), in_dark)
            if (
                part.strip().startswith(":root")
                and " " not in part.strip()
                and (kind == "" or kind in THEMES[theme])
            ):
                values.update(
                    {name: value for name, value in declarations(block).items() if name.startswith("--")}
                )
    return values


def resolve(value: str, theme: str) -> str:
    names = variables(theme)
    while match := re.search(r"var\((--[\w-]+)\)", value):
        value = value.replace(match.group(0), names[match.group(1)])
    return value


def code_background(theme: str) -> str:
    background = None
    for selector, block, in_dark in rules(CSS):
        if "pre" in [part.strip() for part in selector.split(",")] and not in_dark:
            background = declarations(block).get("background", background)
    return resolve(background, theme)


def token_colours(theme: str) -> dict[str, str]:
    """Each hl-* class's colour in the theme: the most specific rule that holds, the later of equals."""
    chosen: dict[str, tuple[int, str]] = {}
    for selector, block, in_dark in rules(CSS):
        colour = declarations(block).get("color")
        for part in selector.split(","):
            token = re.fullmatch(r"(.*?)\s*\.(hl-[\w-]+)", part.strip())
            if not token:
                continue
            kind = condition(token.group(1), in_dark) if token.group(1) else ""
            if kind is None or (kind and kind not in THEMES[theme]):
                continue
            specificity = 1 if kind else 0
            if colour and specificity >= chosen.get(token.group(2), (-1, ""))[0]:
                chosen[token.group(2)] = (specificity, colour)
    return {token: resolve(colour, theme) for token, (_, colour) in chosen.items()}


def luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(digit * 2 for digit in hex_digits)
    channels = [int(hex_digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_stylesheet_is_read_as_the_browser_reads_it():
    assert code_background("light") == "#f0efea"
    assert code_background("dark from the system") == code_background("dark chosen on the site") == "#23272e"
    assert len(token_colours("light")) >= 20
    assert token_colours("light").keys() == token_colours("dark from the system").keys()


@pytest.mark.parametrize("theme", THEMES)
def test_every_highlighted_token_reads_against_the_code_block(theme):
    background = code_background(theme)
    faint = {
        token: f"{colour} on {background}: {contrast(colour, background):.2f}:1"
        for token, colour in sorted(token_colours(theme).items())
        if contrast(colour, background) < MINIMUM
    }
    assert not faint, f"{theme}: tokens below {MINIMUM}:1: {faint}"


def test_the_highlighter_keeps_a_span_for_every_token_the_stylesheet_styles():
    from roadmap.markdown import STYLED_TOKEN_CLASSES

    styled = {
        token.group(1)
        for selector, _, _ in rules(CSS)
        for part in selector.split(",")
        if (token := re.fullmatch(r"(?:.*?\s)?\.(hl-[\w-]+)", part.strip()))
    }
    assert styled == STYLED_TOKEN_CLASSES
