"""User settings in one JSON file under the user config folder, written atomically.

A damaged settings file is set aside (renamed `.damaged`) and defaults are used: settings never
stop the application from starting, and nothing the analyst wrote is silently overwritten.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from platformdirs import user_config_path, user_data_path

from annotator.core.files import atomic_write_text

MAX_RECENT = 8
# View > Theme: the platform's own colours, or Annotator's light or dark ones.
THEMES = ("system", "light", "dark")


DB_ENV_VAR = "ANNOTATOR_DB"


def settings_path() -> Path:
    return user_config_path("annotator", appauthor=False) / "settings.json"


def default_db_path() -> Path:
    """The database used when no --db is given: $ANNOTATOR_DB, else the user data folder.

    (Here rather than in `store`: the window names it before SQLAlchemy is imported.)"""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return user_data_path("annotator", appauthor=False) / "annotator.sqlite3"


@dataclass
class Settings:
    author: str = ""
    recent_databases: list[str] = field(default_factory=list)
    # database path -> id of the document open when the window closed
    last_documents: dict[str, int] = field(default_factory=dict)
    zoom: int = 0
    # How many automatic backups to keep next to each database.
    backup_keep: int = 7
    sample_offered: list[str] = field(default_factory=list)
    # The export dialog's last successful choices: format, folder and the two options.
    export_format: str = ""
    export_folder: str = ""
    export_excel_bom: bool = False
    export_history: bool = False
    theme: str = "system"
    # database path -> {"tags": [...], "authors": [...]}: what the reader hides (View > Show
    # Tags / Show Layers). The hidden ones are kept, so tags and authors new to it are shown.
    hidden: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # database path -> {name: view}: the annotations table's saved views (View > Saved Views),
    # each the filter bar's entries and the sort as plain JSON values; the table checks them
    # when one is recalled (a tag or document may be gone).
    saved_views: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def views_in(self, db: Path | str) -> dict[str, dict[str, Any]]:
        """The saved views of database `db`, by name, in the order they were saved."""
        return dict(self.saved_views.get(str(db), {}))

    def set_views_in(self, db: Path | str, views: dict[str, dict[str, Any]]) -> None:
        if views:
            self.saved_views[str(db)] = dict(views)
        else:
            self.saved_views.pop(str(db), None)

    def hidden_in(self, db: Path | str) -> tuple[set[str], set[str]]:
        """(hidden tags, hidden authors) of database `db`."""
        entry = self.hidden.get(str(db), {})
        return set(entry.get("tags", [])), set(entry.get("authors", []))

    def set_hidden_in(self, db: Path | str, tags: set[str], authors: set[str]) -> None:
        if tags or authors:
            self.hidden[str(db)] = {"tags": sorted(tags), "authors": sorted(authors)}
        else:
            self.hidden.pop(str(db), None)

    def remember_database(self, path: Path | object) -> None:
        """Put a database first in File > Open Recent: a file's path, or a server's URL
        (its str(), which never holds a password)."""
        key = str(path)
        self.recent_databases = [key] + [p for p in self.recent_databases if p != key]
        del self.recent_databases[MAX_RECENT:]


def _coerce(raw: dict[str, Any]) -> Settings:
    defaults = Settings()
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        value = raw.get(spec.name, getattr(defaults, spec.name))
        if not isinstance(value, type(getattr(defaults, spec.name))):
            value = getattr(defaults, spec.name)
        values[spec.name] = value
    values["hidden"] = {
        db: {
            kind: [n for n in names if isinstance(n, str)]
            for kind, names in entry.items()
            if kind in ("tags", "authors") and isinstance(names, list)
        }
        for db, entry in values["hidden"].items()
        if isinstance(entry, dict)
    }
    values["saved_views"] = {
        db: {
            name: view
            for name, view in entry.items()
            if isinstance(name, str) and name.strip() and isinstance(view, dict)
        }
        for db, entry in values["saved_views"].items()
        if isinstance(entry, dict)
    }
    if values["theme"] not in THEMES:  # a newer version's theme, or a hand edit
        values["theme"] = defaults.theme
    return Settings(**values)


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or defaults when there are none or the file is damaged."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError):
        with suppress(OSError):
            os.replace(path, path.with_name(path.name + ".damaged"))
        return Settings()
    return _coerce(raw) if isinstance(raw, dict) else Settings()


def backups_to_keep(settings: Settings | None = None) -> int:
    """How many automatic backups of a database to keep: the analyst's choice (Edit >
    Preferences), read from the settings file when none are given; at least 1."""
    return max(1, (settings if settings is not None else load_settings()).backup_keep)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    atomic_write_text(path or settings_path(), json.dumps(asdict(settings), indent=2))
