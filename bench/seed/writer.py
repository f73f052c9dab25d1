"""Bulk inserts of planned rows: COPY on PostgreSQL, bulk_create elsewhere."""

from concurrent.futures import ThreadPoolExecutor

import psycopg
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Max
from psycopg import pq

from bench.seed.report import ProgressReport


class Writer:
    """Inserts rows given as tuples of column values: COPY on PostgreSQL, bulk_create elsewhere.

    Every row carries its primary key, assigned by the caller; the table's sequence is moved
    past them at the end. Columns a row does not name get their field's default.

    PostgreSQL checks each foreign key of each row with a trigger, which for two million rows
    takes longer than loading them. As a superuser, tables without triggers of their own are
    loaded with those checks off (session_replication_role, as pg_restore does) and their
    foreign keys are then checked in one anti-join each (check_foreign_keys).

    Updating every index of a table row by row costs more than the COPY itself, so, as
    pg_restore does, a table's indexes other than its primary key are dropped before its first
    COPY and built again, each in one sort, by build_indexes once the table is loaded (and
    analysed, and its keys checked). A unique index built then still refuses duplicates: the
    whole load fails instead of keeping them."""

    BATCH = 2_000

    def __init__(self, report: ProgressReport):
        self.report = report
        self.models = []
        self.unchecked = []
        self.is_postgres = connection.vendor == "postgresql"
        self.may_skip_triggers = self.is_postgres and _is_superuser()
        self.dropped_indexes: list[tuple[str, str]] = []  # (table, statement that builds it again)

    def write(
        self,
        model,
        columns: tuple[str, ...],
        rows,
        total: int,
        label: str = "",
        fills_trigger_columns: bool = False,
    ) -> None:
        """Load the rows. `fills_trigger_columns`: the rows already hold what the table's own
        triggers would compute for them, so that it too can be loaded with triggers off."""
        label = label or model._meta.db_table
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        defaulted = [field for name, field in fields.items() if name not in columns]
        rows = self.report.rows(label, rows, total)
        if self.is_postgres:
            if model not in self.models:
                self._drop_indexes(model._meta.db_table)
            self._copy(model, columns, defaulted, rows, fills_trigger_columns)
        else:
            self._bulk_create(model, columns, rows)
        if model not in self.models:
            self.models.append(model)

    def _copy(self, model, columns, defaulted, rows, fills_trigger_columns):
        quote = connection.ops.quote_name
        table = model._meta.db_table
        defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in defaulted)
        column_names = [model._meta.get_field(name).column for name in columns]
        column_names += [field.column for field in defaulted]
        names = ", ".join(quote(name) for name in column_names)
        types = _binary_types(table, column_names)
        skips_triggers = self.may_skip_triggers and (fills_trigger_columns or not _has_own_triggers(table))
        with connection.cursor() as cursor:
            if skips_triggers:
                cursor.execute("SET LOCAL session_replication_role = replica")
            binary = " (FORMAT BINARY)" if types else ""
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN{binary}") as copy:
                if types:
                    copy.set_types(types)
                if defaults:
                    for row in rows:
                        copy.write_row(row + defaults)
                else:
                    for row in rows:
                        copy.write_row(row)
            if skips_triggers:
                cursor.execute("SET LOCAL session_replication_role = origin")
        if skips_triggers and model not in self.unchecked:
            self.unchecked.append(model)

    def _drop_indexes(self, table: str) -> None:
        """Drop the table's indexes but its primary key, remembering how to build them again.
        An index behind a unique constraint goes with its constraint, unless a foreign key
        depends on it; an index some other constraint uses stays."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT index.relname, pg_get_indexdef(index.oid), owner.conname,
                       pg_get_constraintdef(owner.oid)
                FROM pg_index
                JOIN pg_class AS index ON index.oid = pg_index.indexrelid
                LEFT JOIN pg_constraint AS owner ON owner.conindid = index.oid AND owner.conrelid = pg_index.indrelid
                WHERE pg_index.indrelid = %s::regclass AND NOT pg_index.indisprimary
                  AND (owner.oid IS NULL OR owner.contype = 'u')
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint AS foreign_key
                      WHERE foreign_key.contype = 'f' AND foreign_key.conindid = index.oid
                  )
                """,
                [connection.ops.quote_name(table)],
            )
            indexes = cursor.fetchall()
            quote = connection.ops.quote_name
            for name, definition, constraint, constraint_definition in indexes:
                if constraint:
                    cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(constraint)}")
                    rebuild = f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(constraint)} {constraint_definition}"
                else:
                    cursor.execute(f"DROP INDEX {quote(name)}")
                    rebuild = definition
                self.dropped_indexes.append((table, rebuild))

    def build_indexes(self) -> None:
        """Build every index dropped before loading, each table's in one go (their reads of the
        table share the cache), with the memory a sort of this size needs. It runs after
        check_foreign_keys, which fires the foreign key checks still pending: PostgreSQL builds
        no index on a table with checks pending."""
        if not self.dropped_indexes:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for table in dict.fromkeys(table for table, _ in self.dropped_indexes):
                statements = [statement for owner, statement in self.dropped_indexes if owner == table]

                def build(statements=statements):
                    for statement in statements:
                        cursor.execute(statement)

                self.report.step(f"{table}: {len(statements)} indexes", build)
        self.dropped_indexes = []

    def _bulk_create(self, model, columns, rows):
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(columns, row, strict=True))))
            if len(batch) == self.BATCH:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)

    def without_triggers(self, work, models) -> None:
        """Run `work`, which fills the tables of `models` in a few set-based statements, with
        the per-row foreign key triggers off as the COPYs have them (each inserted row would
        queue a check per key, all fired at commit), then check those keys in bulk."""
        if not self.may_skip_triggers:
            work()
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            work()
            cursor.execute("SET LOCAL session_replication_role = origin")
        self.check_foreign_keys(models)

    def check_foreign_keys(self, models=None) -> None:
        """Every foreign key of the tables loaded without triggers (or of `models`) points to a
        row; the rows loaded with triggers are checked now too, rather than at commit.

        One scan of a table reads the lowest and highest value of each of its keys. A parent
        whose primary key holds every whole number from its lowest to its highest (as the ids
        planned here do) then proves a key whose values all lie in that span, without looking
        each one up; any other key is checked with an anti-join over the parent."""
        quote = connection.ops.quote_name
        spans: dict[str, tuple[int, int] | None] = {}
        with connection.cursor() as cursor:
            # The rows were just written and are in memory: priced as reads from disk, looking
            # 20,000 flags up in the comments' primary key loses to hashing all 500,000 comments.
            cursor.execute("SET LOCAL random_page_cost = 1.1")
            checked = self.unchecked if models is None else models
            for model in checked:
                keys = [
                    field
                    for field in model._meta.concrete_fields
                    if field.is_relation and field.db_constraint
                ]
                if not keys:
                    continue
                bounds = ", ".join(f"min({quote(key.column)}), max({quote(key.column)})" for key in keys)
                cursor.execute(f"SELECT {bounds} FROM {quote(model._meta.db_table)}")
                row = cursor.fetchone()
                for position, key in enumerate(keys):
                    low, high = row[2 * position], row[2 * position + 1]
                    if low is None:
                        continue  # no row, or none with this key set
                    span = _dense_span(cursor, key.target_field, spans)
                    if span is None or not (span[0] <= low and high <= span[1]):
                        _check_by_anti_join(cursor, model, key)
            cursor.execute("SET LOCAL random_page_cost TO DEFAULT")
        self.unchecked = [model for model in self.unchecked if model not in checked]
        self.fire_pending_checks()

    def fire_pending_checks(self) -> None:
        """Run the foreign key checks queued for commit now, where a step reports their time."""
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(statement)


def _dense_span(cursor, target, spans: dict) -> tuple[int, int] | None:
    """(lowest, highest) of the target's table when it is an integer primary key holding every
    number in between, else None; once per table and check."""
    table = target.model._meta.db_table
    if table not in spans:
        spans[table] = None
        if target.primary_key:
            column = connection.ops.quote_name(target.column)
            cursor.execute(
                f"SELECT count(*), min({column}), max({column}) FROM {connection.ops.quote_name(table)}"
            )
            count, low, high = cursor.fetchone()
            if isinstance(low, int) and isinstance(high, int) and count == high - low + 1:
                spans[table] = (low, high)
    return spans[table]


def _check_by_anti_join(cursor, model, key) -> None:
    quote = connection.ops.quote_name
    target = key.target_field
    cursor.execute(
        f"SELECT count(*) FROM {quote(model._meta.db_table)} AS child "
        f"WHERE child.{quote(key.column)} IS NOT NULL AND NOT EXISTS ("
        f"SELECT 1 FROM {quote(target.model._meta.db_table)} AS parent "
        f"WHERE parent.{quote(target.column)} = child.{quote(key.column)})"
    )
    (missing,) = cursor.fetchone()
    if missing:
        raise CommandError(
            f"{missing} rows of {model._meta.db_table}.{key.column} point to no {target.model._meta.db_table} row."
        )


def next_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _binary_types(table: str, columns: list[str]) -> list[int] | None:
    """The type of each column, for a binary COPY, or None when psycopg writes one of them only
    as text (a tsvector). In binary neither side formats or parses a number, a timestamp or an
    escaped string: the COPY of a million reactions takes a seventh of the Python time and half
    of PostgreSQL's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
            [connection.ops.quote_name(table)],
        )
        types = dict(cursor.fetchall())
    adapters = connection.connection.adapters
    try:
        for column in columns:
            adapters.get_dumper_by_oid(types[column], pq.Format.BINARY)
    except psycopg.ProgrammingError:
        return None
    return [types[column] for column in columns]


def _has_own_triggers(table: str) -> bool:
    """Whether the table has triggers besides those of its foreign keys (e.g. a search vector)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal)",
            [connection.ops.quote_name(table)],
        )
        return cursor.fetchone()[0]


def analyze(tables) -> None:
    """Fresh statistics, so that the planner knows how large the tables have become."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def vacuum(tables, connections_used: int = 2) -> None:
    """A vacuum, so that index-only scans work from the first query. VACUUM cannot run in a
    transaction: inside one (a test's), the tables were just analysed and that has to do.

    The data is committed by now, so the tables are shared out, largest first, among
    `connections_used` connections of their own: one backend vacuums the comments while another
    does the rest."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_table_size(oid) AS size FROM pg_class WHERE oid = ANY(%s::regclass[]) "
            "ORDER BY size DESC",
            [list(tables)],
        )
        largest_first = cursor.fetchall()
    shares: list[list[str]] = [[] for _ in range(connections_used)]
    sizes = [0] * connections_used
    for table, size in largest_first:
        emptiest = sizes.index(min(sizes))
        shares[emptiest].append(table)
        sizes[emptiest] += size
    with ThreadPoolExecutor(max_workers=connections_used) as executor:
        list(executor.map(_vacuum_on_own_connection, [share for share in shares if share]))


def _vacuum_on_own_connection(tables: list[str]) -> None:
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM {own.ops.quote_name(table)}")
    finally:
        own.close()
