"""The contact-reveal log is append-only in the database itself.

PostgreSQL: a trigger refuses every UPDATE of a row, and every DELETE unless the deleting
transaction holds a purge permit (accounts.models.reveal_log_purge, for demo data only). A
deletion of an order whose contacts were opened is refused with it. TRUNCATE is left to the
table's owner: it is how Django's test runner and the benchmark empty a database.

SQLite: a trigger refuses every UPDATE. Deletes are refused by the model only: Django empties a
SQLite test database with DELETE FROM, which a delete trigger would stop.

Mind on SQLite: a migration that rebuilds accounts_contactreveal (most AlterField) drops its
trigger with the old table; such a migration must create it again.
"""

from django.db import migrations

MESSAGE = "accounts_contactreveal is append-only"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION accounts_contactreveal_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM accounts_revealpurgepermit) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_contactreveal_append_only
    BEFORE UPDATE OR DELETE ON accounts_contactreveal
    FOR EACH ROW EXECUTE FUNCTION accounts_contactreveal_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS accounts_contactreveal_append_only ON accounts_contactreveal;
DROP FUNCTION IF EXISTS accounts_contactreveal_append_only();
"""

SQLITE = [
    f"""CREATE TRIGGER accounts_contactreveal_no_update
    BEFORE UPDATE ON accounts_contactreveal
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS accounts_contactreveal_no_update;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_token_expiry_and_reveal_purge_permit"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
