"""Flask-Babel set-up: Chinese by default, English as a translation.

Message ids are the Chinese UI text; each area keeps its own English catalogue
under directory/translations/<area>/. Catalogues are compiled when stale, so a
fresh checkout needs no build step.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request

from directory.extensions import babel

log = logging.getLogger(__name__)
TRANSLATIONS = Path(__file__).parent.parent / "translations"


def select_locale() -> str:
    """The UI language: ?lang=, then the `lang` cookie, then Chinese (also outside requests)."""
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate is not None and candidate in langs:
            return candidate
    if request.path.startswith("/api/v1/"):
        # Other systems say their language the HTTP way; the pages keep their own switch.
        best = request.accept_languages.best_match(langs)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def compile_catalogues() -> list[Path]:
    """Compile every .po whose .mo is missing or older; return the catalogue dirs."""
    dirs = []
    for area in sorted(p for p in TRANSLATIONS.iterdir() if p.is_dir()):
        dirs.append(area)
        for po in area.glob("*/LC_MESSAGES/messages.po"):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            try:
                with po.open("rb") as f:
                    catalog = read_po(f)
                with mo.open("wb") as f:
                    write_mo(f, catalog)
            except OSError:
                log.warning("cannot compile %s (read-only install?)", po)
    return dirs


def init_app(app: Flask) -> None:
    dirs = compile_catalogues()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in dirs)
    babel.init_app(app, locale_selector=select_locale)
