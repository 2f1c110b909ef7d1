"""A team database's roles and what each may write, enforced by PostgreSQL itself.

`init_server` (as an administrator: the owner of the database, with CREATEROLE) creates the
schema, three group roles that cannot log in, their privileges and row-level security:

- `annotator_analyst`: reads everything; adds documents (and their units, tags) and claim
  sources (and grades them); inserts,
  changes and deletes only the annotations (with their tags and history) whose author is the
  connected role (`current_user`);
- `annotator_reviewer`: an analyst who also writes the adjudicated layer ("adjudicated by
  <role>") and sets the review status of anyone's annotation, without changing its content;
- `annotator_admin`: writes everything (removes documents, sets the handling caveat).

`add_user` makes a login role a member of one of them. No password is set or stored here:
PostgreSQL's own means (its `\\password`, certificates, the `.pgpass` of each analyst) do that.
The owner of the tables (who ran `init_server`) is not subject to the policies.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from annotator.core.errors import InvalidValue
from annotator.core.review_terms import ADJUDICATED_PREFIX
from annotator.core.server_address import ServerAddress
from annotator.core.store import Store, open_store

ROLES = ("analyst", "reviewer", "admin")
GROUP = {role: f"annotator_{role}" for role in ROLES}
OWN_LAYER_TABLES = ("annotations", "annotation_tags", "annotation_history")
SEARCH_TABLES = (
    "search_pending",
    "search_units",
    "search_notes",
    "search_annotations",
    "search_sort_text",
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]{0,62}")


def _member(role: str) -> str:
    return f"pg_has_role(current_user, '{GROUP[role]}', 'MEMBER')"


def _writes_author(author: str) -> str:
    """SQL: the connected role may write an annotation whose author is `author` (an SQL
    expression): their own, a reviewer's adjudicated layer, anything for an admin."""
    return (
        f"({author} = current_user "
        f"OR ({_member('reviewer')} AND {author} = '{ADJUDICATED_PREFIX}' || current_user) "
        f"OR {_member('admin')})"
    )


def _of_annotation(own: str) -> str:
    return f"EXISTS (SELECT 1 FROM annotations a WHERE a.id = annotation_id AND {own})"


_GUARD = f"""
CREATE OR REPLACE FUNCTION annotator_review_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Someone else's annotation: a reviewer may set its review status, nothing else.
    IF NOT {_writes_author("OLD.author")}
       AND (NEW.document_id, NEW.start, NEW."end", NEW.author, NEW.created, NEW.note)
           IS DISTINCT FROM
           (OLD.document_id, OLD.start, OLD."end", OLD.author, OLD.created, OLD.note) THEN
        RAISE EXCEPTION 'only the author may change annotation %', OLD.id
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$
"""


def _statements() -> list[str]:
    analyst, reviewer, admin = GROUP["analyst"], GROUP["reviewer"], GROUP["admin"]
    everyone = f"{analyst}, {reviewer}, {admin}"
    statements = [
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN;
            END IF;
        END $$"""
        for role in GROUP.values()
    ]
    statements += [
        f"GRANT {analyst} TO {reviewer}",  # a reviewer is an analyst too
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO "
        f"{everyone}', current_database()); END $$",
        f"GRANT USAGE ON SCHEMA public TO {everyone}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {everyone}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {everyone}",
        f"GRANT INSERT ON documents, units, tags TO {analyst}",
        # claim sources are shared reference data: any analyst registers, grades or removes
        # an unused one (who and when is recorded: sources.py)
        f"GRANT INSERT, UPDATE, DELETE ON sources TO {analyst}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(OWN_LAYER_TABLES)} TO {analyst}",
        # the search indexes (migration 0007): derived from what everyone reads, queued by the
        # triggers of each writer's transaction and folded by the writer's application
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(SEARCH_TABLES)} TO {analyst}",
        f"GRANT INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {admin}",
        _GUARD,
        "DROP TRIGGER IF EXISTS annotations_review_only ON annotations",
        "CREATE TRIGGER annotations_review_only BEFORE UPDATE ON annotations "
        "FOR EACH ROW EXECUTE FUNCTION annotator_review_only()",
    ]
    own = _writes_author("author")
    own_tags = _of_annotation(_writes_author("a.author"))
    may_record = f"(actor = current_user OR {_member('admin')})"
    policies = {
        "annotations": {
            "read": ("SELECT", "true", None),
            "add": ("INSERT", None, own),
            "change": ("UPDATE", f"({own} OR {_member('reviewer')})", f"({own} OR "
                       f"{_member('reviewer')})"),
            "remove": ("DELETE", own, None),
        },
        "annotation_tags": {
            "read": ("SELECT", "true", None),
            "add": ("INSERT", None, own_tags),
            "change": ("UPDATE", own_tags, own_tags),
            "remove": ("DELETE", own_tags, None),
        },
        "annotation_history": {
            "read": ("SELECT", "true", None),
            "add": ("INSERT", None, may_record),
            "change": ("UPDATE", may_record, may_record),
            "remove": ("DELETE", may_record, None),
        },
    }
    for table, table_policies in policies.items():
        statements.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for name, (command, using, check) in table_policies.items():
            statements.append(f'DROP POLICY IF EXISTS "{name}" ON {table}')
            clause = f"CREATE POLICY \"{name}\" ON {table} FOR {command} TO {everyone}"
            if using is not None:
                clause += f" USING ({using})"
            if check is not None:
                clause += f" WITH CHECK ({check})"
            statements.append(clause)
    return statements


def init_server(target: str | ServerAddress) -> Store:
    """Create (or upgrade) the team database at `target` (a postgresql:// URL, connected as
    its administrator), its group roles, privileges and policies; all of it again is harmless.
    The store is returned open. Raises DatabaseRefused / InvalidValue."""
    store = open_store(target)
    try:
        if not store.on_server:
            raise InvalidValue("annotator server init needs a postgresql:// URL (--db)")
        with store.engine.begin() as connection:
            for statement in _statements():
                connection.execute(text(statement))
    except BaseException:
        store.close()
        raise
    return store


def add_user(store: Store, name: str, role: str) -> None:
    """Let the login role `name` (made if missing, without a password) work as `role`."""
    if role not in ROLES:
        raise InvalidValue(f"{role!r}: a role is one of {', '.join(ROLES)}")
    if not _NAME.fullmatch(name):
        raise InvalidValue(f"{name!r}: not a user name (letters, digits, _ . @ -)")
    with store.engine.begin() as connection:
        quoted = connection.dialect.identifier_preparer.quote_identifier(name)
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
        ).first()
        if exists is None:
            connection.execute(text(f"CREATE ROLE {quoted} LOGIN"))
        for other in ROLES:
            if other != role:
                _revoke(connection, GROUP[other], quoted)
        connection.execute(text(f"GRANT {GROUP[role]} TO {quoted}"))


def _revoke(connection: Connection, group: str, quoted: str) -> None:
    connection.execute(text(f"REVOKE {group} FROM {quoted}"))
