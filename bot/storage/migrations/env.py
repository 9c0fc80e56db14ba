"""Alembic environment: migrations run on the connection `open_store` hands over.

There is no alembic.ini: `bot.storage.sql.migration_config()` builds the configuration and puts
the open connection in `config.attributes["connection"]`, inside the transaction (and, on
PostgreSQL, the advisory lock) that `open_store` holds.

A new revision (ids are `NNNN_name`, each revising the previous one):

    python -c "from alembic import command; from bot.storage.sql import migration_config; \
        command.revision(migration_config(), 'what it adds', rev_id='0003_name')"

then write upgrade() and downgrade() in versions/0003_name.py (and ruff format it), change
the tables in bot/storage/tables.py to match; tests/storage/test_conversations.py checks that
the two agree.
"""

from __future__ import annotations

from alembic import context

from bot.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "bot.storage migrations run from open_store(url) or with a connection in "
        "config.attributes['connection'] (see bot.storage.sql.migration_config)"
    )
context.configure(connection=connection, target_metadata=metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
