"""On PostgreSQL: keep Thread.search_vector filled by a trigger (title weighted over body)
and index it with GIN. Other databases search with a plain contains-match instead."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION community_thread_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.body, '')), 'B');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER community_thread_search_vector_update
    BEFORE INSERT OR UPDATE OF title, body ON community_thread
    FOR EACH ROW EXECUTE FUNCTION community_thread_search_vector();

UPDATE community_thread SET title = title;

CREATE INDEX IF NOT EXISTS community_thread_search_gin ON community_thread USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS community_thread_search_gin;
DROP TRIGGER IF EXISTS community_thread_search_vector_update ON community_thread;
DROP FUNCTION IF EXISTS community_thread_search_vector();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
