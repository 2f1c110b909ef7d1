"""A laptop whose analyst name differs from the server role (sync_mine.py): a sync never pushes
nothing silently, and `mine` takes the laptop's name as the role's layer, on the throwaway
cluster as an analyst under row-level security."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from annotator.core import ops
from annotator.core.errors import InvalidValue
from annotator.core.history import annotation_history
from annotator.core.model import AnnotationHistory
from annotator.core.server_roles import add_user, init_server
from annotator.core.sync import sync
from annotator.core.sync_mine import synced_role, unknown_authors
from tests.core.test_sync import TEXT, annotations, team, the

__all__ = ["team"]  # the fixture, shared with test_sync.py


def test_a_laptop_name_that_is_not_the_role_is_reported_never_silently(
    team: dict[str, Any],
) -> None:
    laptop, server = team["laptop"], team["server"]
    sync(laptop, server)
    # the window wrote the name in Preferences, "Ana"; the server role is "ana"
    ops.create_annotation(laptop, 1, 32, len(TEXT), "Ana", ["assessment"])
    ops.create_annotation(laptop, 1, 0, 5, "Ana", ["claim"])
    report = sync(laptop, server)
    assert report.pushed_annotations == 0
    assert report.not_pushed == {"Ana": 2}
    lines = report.lines()
    assert "not pushed: 2 annotation(s) of this file (2 by Ana)" in lines[2]
    assert "their author is not ana" in lines[2] and "only in this file" in lines[2]
    assert "to push those that are yours as ana's: annotator sync --mine NAME" in lines[3]
    # a sync with nothing to do still says so (it reads no annotation)
    again = sync(laptop, server)
    assert again.changed_nothing and again.not_pushed == {"Ana": 2}
    assert again.lines()[2:] == lines[2:]
    assert annotations(server) == [(7, 31, "ben", "", ("claim",))]


def test_mine_takes_the_laptop_name_as_the_role_and_pushes_it(team: dict[str, Any]) -> None:
    laptop, server = team["laptop"], team["server"]
    sync(laptop, server)
    ops.create_annotation(laptop, 1, 32, len(TEXT), "Ana", ["assessment"], note="offline")
    ops.set_note(laptop, the(laptop, "Ana"), "offline, edited")
    assert unknown_authors(laptop, server, "ana") == {"Ana": 1}
    report = sync(laptop, server, mine=["Ana"])
    assert report.taken == {"Ana": 1} and report.not_pushed == {}
    assert report.pushed_annotations == 1
    assert "taken as ana's layer before pushing: 1 by Ana" in report.lines()
    assert annotations(server) == annotations(laptop) == [
        (7, 31, "ben", "", ("claim",)), (32, len(TEXT), "ana", "offline, edited", ("assessment",))
    ]
    # one "author" row says so; the analyst's earlier rows are the role's now
    for store in (laptop, server):
        entries = annotation_history(store, the(store, "ana"))
        assert [e.action for e in entries][:3] == ["create", "note", "author"]
        renamed = entries[2]
        assert renamed.before is not None and renamed.before.author == "Ana"
        assert renamed.after is not None and renamed.after.author == "ana"
        assert "Ana's annotation taken as ana's layer" in renamed.comment
        assert {e.actor for e in entries} == {"ana"}
    assert synced_role(laptop) == "ana"
    assert unknown_authors(laptop, server, "ana") == {}
    assert sync(laptop, server, mine=["Ana"]).changed_nothing  # again: nothing to take


def test_a_colleagues_layer_or_role_is_refused_and_nothing_is_written(
    team: dict[str, Any],
) -> None:
    laptop, server = team["laptop"], team["server"]
    with init_server(team["url"]) as admin:
        add_user(admin, "carol", "analyst")  # a role with no annotation yet
    sync(laptop, server)
    for author in ("Ana", "carol", "zed"):
        ops.create_annotation(laptop, 1, 32, len(TEXT), author, ["assessment"])
    ops.create_annotation(laptop, 1, 0, 5, "adjudicated by ana", ["claim"])
    # the laptop's names the server knows nothing of: the ones that may be taken
    assert unknown_authors(laptop, server, "ana") == {"Ana": 1, "zed": 1}
    with laptop.read() as session:
        rows_before = len(session.scalars(select(AnnotationHistory.id)).all())
    before = annotations(laptop)
    for name, why in (
        ("ben", "the author of 1 annotation(s) on"),
        ("carol", "a user of"),
        ("adjudicated by ana", "adjudicated layer"),
    ):
        with pytest.raises(InvalidValue, match=re.escape(why)) as refused:
            sync(laptop, server, mine=["Ana", name])
        assert "nothing was synced" in str(refused.value)
        assert "a colleague's layer stays theirs" in str(refused.value) or "adjudicated" in name
    assert annotations(laptop) == before
    with laptop.read() as session:
        assert len(session.scalars(select(AnnotationHistory.id)).all()) == rows_before
    report = sync(laptop, server, mine=["Ana", "zed", "ana"])
    assert report.taken == {"Ana": 1, "zed": 1}
    assert report.not_pushed == {"adjudicated by ana": 1, "carol": 1}
    assert sorted(a[2] for a in annotations(server)) == ["ana", "ana", "ben"]
