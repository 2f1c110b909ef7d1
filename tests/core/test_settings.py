"""Settings: one JSON file, written atomically, damaged files set aside."""

from __future__ import annotations

from pathlib import Path

from annotator.core.settings import Settings, load_settings, save_settings, settings_path


def test_round_trip_in_the_user_config_folder(_isolated_home: Path) -> None:
    path = settings_path()
    assert str(path).startswith(str(_isolated_home))
    settings = Settings(author="Ana Analyst")
    for i in range(12):
        settings.remember_database(Path(f"/tmp/db{i}.sqlite3"))
    settings.remember_database(Path("/tmp/db5.sqlite3"))
    save_settings(settings)
    loaded = load_settings()
    assert loaded.author == "Ana Analyst"
    assert loaded.recent_databases[0] == "/tmp/db5.sqlite3"
    assert len(loaded.recent_databases) == 8
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_damaged_file_is_set_aside_and_defaults_used(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    assert load_settings(path) == Settings()
    assert (tmp_path / "settings.json.damaged").read_text(encoding="utf-8") == "{not json"


def test_wrong_types_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"author": 5, "zoom": 2, "recent_databases": "x"}', encoding="utf-8")
    loaded = load_settings(path)
    assert (loaded.author, loaded.zoom, loaded.recent_databases) == ("", 2, [])


def test_theme_is_kept_and_old_or_unknown_values_load(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    # A settings file from before View > Theme existed loads, with the platform's colours.
    path.write_text('{"author": "Ana", "zoom": 1}', encoding="utf-8")
    assert load_settings(path).theme == "system"
    save_settings(Settings(author="Ana", theme="dark"), path)
    assert load_settings(path).theme == "dark"
    path.write_text('{"author": "Ana", "theme": "solarized"}', encoding="utf-8")
    assert load_settings(path).theme == "system"


def test_hidden_tags_and_layers_are_kept_per_database(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings()
    settings.set_hidden_in(Path("/tmp/a.sqlite3"), {"claim"}, {"Ben", "Chloe"})
    settings.set_hidden_in(Path("/tmp/b.sqlite3"), set(), set())  # nothing hidden: no entry
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded.hidden_in("/tmp/a.sqlite3") == ({"claim"}, {"Ben", "Chloe"})
    assert loaded.hidden_in("/tmp/b.sqlite3") == (set(), set())
    assert list(loaded.hidden) == ["/tmp/a.sqlite3"]


def test_hidden_entries_of_the_wrong_shape_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        '{"hidden": {"/a": {"tags": ["claim", 3], "authors": "Ben", "other": ["x"]},'
        ' "/b": ["claim"]}}',
        encoding="utf-8",
    )
    loaded = load_settings(path)
    assert loaded.hidden == {"/a": {"tags": ["claim"]}}
    assert loaded.hidden_in("/a") == ({"claim"}, set())


def test_saved_views_are_kept_per_database_in_order(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings()
    view = {"tag": "claim", "fields": "source_reliability<=B", "sort": "date", "descending": True}
    settings.set_views_in("/data/a.sqlite3", {"Zeta": view, "Alpha": {"tag": ""}})
    save_settings(settings, path)
    loaded = load_settings(path)
    assert list(loaded.views_in("/data/a.sqlite3")) == ["Zeta", "Alpha"]
    assert loaded.views_in("/data/a.sqlite3")["Zeta"] == view
    assert loaded.views_in("/data/b.sqlite3") == {}
    loaded.set_views_in("/data/a.sqlite3", {})
    assert loaded.saved_views == {}


def test_saved_views_of_the_wrong_shape_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        '{"saved_views": {"/a": {"ok": {"tag": "claim"}, "bad": 3, " ": {}}, "/b": [1]}}',
        encoding="utf-8",
    )
    assert load_settings(path).saved_views == {"/a": {"ok": {"tag": "claim"}}}
