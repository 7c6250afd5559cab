"""Every sentence a learner reads, in one catalogue of TOML files, read through one lookup.

    grader/text/<language>/<concern>.toml     e.g. grader/text/en/report.toml

A key is the file's name followed by the dotted path inside the file:
`say("report.next_implement", function="dot")` reads `next_implement` in report.toml.
A list in a file counts from 1: `functions.dot.hints.2` is the second hint for `dot`.

Texts are `str.format` templates: `{function}` is filled in by the caller, `{slope:.4f}`
formats a number, and a literal brace is written `{{` or `}}`. Extra fields are ignored,
so a caller may pass more than a text uses; a missing one raises KeyError.

The language comes from the environment variable KATA_LANG ("fr", "fr_FR.UTF-8" and
"fr-FR" all mean French); the default is English. A key missing from a language, or a
language with no files at all, falls back to English key by key.

To add a language, copy grader/text/en/ to grader/text/<code>/ and translate the values,
keeping every key and every {placeholder}; tests/test_text.py checks both.
"""
import functools
import os
import string
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TEXT_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "en"
ENVIRONMENT_VARIABLE = "KATA_LANG"

__all__ = ["TextKeyError", "all_keys", "available_languages", "fields", "hint", "hints", "language", "listed",
           "mistake", "say"]


class TextKeyError(KeyError):
    """A text that does not exist, or a field its template needs that the caller did not give."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def language() -> str:
    """The language to speak: KATA_LANG reduced to its language code, if there are texts for it; else "en"."""
    requested = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
    code = requested.replace("-", "_").split(".")[0].split("_")[0]
    return code if code in available_languages() else DEFAULT_LANGUAGE


@functools.lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """The languages that have a folder of texts, English first."""
    found = sorted(p.name for p in TEXT_DIR.iterdir() if p.is_dir() and any(p.glob("*.toml")))
    return tuple(sorted(found, key=lambda code: code != DEFAULT_LANGUAGE))


@functools.lru_cache(maxsize=32)  # one entry per language
def _table(lang: str) -> dict[str, tuple[str, Path]]:
    """Every text of one language, flattened: {"report.next_implement": (template, file it came from)}."""
    table: dict[str, tuple[str, Path]] = {}
    folder = TEXT_DIR / lang
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        _flatten(data, path.stem, path, table)
    return table


def _flatten(value, key: str, path: Path, table: dict[str, tuple[str, Path]]) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _flatten(child, f"{key}.{name}", path, table)
    elif isinstance(value, list):
        for number, child in enumerate(value, start=1):
            _flatten(child, f"{key}.{number}", path, table)
    elif isinstance(value, str):
        table[key] = (value, path)
    else:
        raise TypeError(f"{path}: {key} is a {type(value).__name__}; every text must be a string")


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(TEXT_DIR.parents[1]))
    except ValueError:
        return str(path)


def _lookup(key: str, lang: str) -> tuple[str, Path]:
    for candidate in dict.fromkeys((lang, DEFAULT_LANGUAGE)):
        found = _table(candidate).get(key)
        if found is not None:
            return found
    concern = key.split(".", 1)[0]
    files = " or ".join(_relative(TEXT_DIR / c / f"{concern}.toml")
                        for c in dict.fromkeys((lang, DEFAULT_LANGUAGE)))
    inside = sorted(k for k in _table(DEFAULT_LANGUAGE) if k.startswith(key + "."))
    if inside:
        listed = ", ".join(inside[:6]) + (", ..." if len(inside) > 6 else "")
        raise TextKeyError(f"{key!r} is a group of texts in {files}, not one text; ask for one of: {listed}")
    raise TextKeyError(f"no text {key!r}: add it to {files}")


def say(key: str, /, **values) -> str:
    """The text for key in the current language, with {fields} filled in from values.

    >>> say("report.next_implement", function="dot")
    'Next: implement `dot`.'
    """
    template, path = _lookup(key, language())
    try:
        return template.format_map(values)
    except KeyError as error:
        raise TextKeyError(f"the text {key!r} in {_relative(path)} needs the field {error.args[0]!r} "
                           f"(given: {', '.join(sorted(values)) or 'none'})") from None
    except (IndexError, ValueError) as error:
        raise TextKeyError(f"the text {key!r} in {_relative(path)} "
                           f"is not a valid template: {error}") from None


def hints(function: str) -> list[str]:
    """The hint ladder for an exercise function, first step first (the bare texts)."""
    lang = language()
    ladder = []
    while True:
        key = f"functions.{function}.hints.{len(ladder) + 1}"
        if key not in _table(lang) and key not in _table(DEFAULT_LANGUAGE):
            break
        ladder.append(say(key, function=function))
    if not ladder:
        _lookup(f"functions.{function}.hints", lang)  # raises, naming the file to edit
    return ladder


def hint(function: str, level: int) -> str:
    """Hint number `level` (from 1) for function, as shown to a learner: the step, then how to
    see the next one (or that it was the last) and how to start over."""
    ladder = hints(function)
    level = min(max(1, level), len(ladder))
    return "\n".join([
        say("hints.heading", number=level, total=len(ladder), text=ladder[level - 1], function=function),
        say("hints.more" if level < len(ladder) else "hints.last", function=function),
        say("hints.reset", function=function),
    ])


def mistake(mutant_id: str, /, **values) -> str:
    """What to tell a learner whose answers match the mutant `mutant_id` of grader.kata.mistakes."""
    return say(f"mistakes.{mutant_id}", **values)


def listed(names) -> str:
    """Function names for a sentence, in backticks and joined in the current language: `a`, `b` and `c`."""
    quoted = [f"`{name}`" for name in names]
    if len(quoted) < 2:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" {say('report.and')} " + quoted[-1]


def all_keys(lang: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """Every key that language's own files define (no fallback)."""
    return frozenset(_table(lang))


def fields(key: str, lang: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """The {fields} the text for key uses in lang (falling back to English)."""
    template, _ = _lookup(key, lang)
    return frozenset(name.split(".")[0].split("[")[0]
                     for _, name, _, _ in string.Formatter().parse(template) if name is not None)
