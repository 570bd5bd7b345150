import GRDB

/// The schema of a tenant's database, as GRDB migrations. Append new migrations; never edit one
/// that has shipped.
enum TenantSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: directory, relationships, customers, orders, audit, notifications") { db in
            try db.execute(sql: """
                CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);

                CREATE TABLE departments (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    parent_id INTEGER REFERENCES departments(id)
                );
                CREATE TABLE roles (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    permissions TEXT NOT NULL,            -- JSON array of permission names
                    scope TEXT NOT NULL CHECK (scope IN ('own', 'department', 'all'))
                );
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    login TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    department_id INTEGER REFERENCES departments(id),
                    role_id INTEGER NOT NULL REFERENCES roles(id),
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX users_department ON users(department_id);

                CREATE TABLE relationships (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    color TEXT NOT NULL,
                    description TEXT,
                    position INTEGER NOT NULL,            -- 1-based among active ones; 0 when deleted
                    deleted_at INTEGER
                );
                CREATE UNIQUE INDEX relationships_active_name ON relationships(name) WHERE deleted_at IS NULL;

                CREATE TABLE customers (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    phone TEXT,
                    email TEXT,
                    relationship_id INTEGER NOT NULL REFERENCES relationships(id),
                    owner_id INTEGER REFERENCES users(id),
                    referrer_id INTEGER REFERENCES customers(id),
                    points INTEGER NOT NULL DEFAULT 0,
                    source TEXT,
                    fields TEXT NOT NULL DEFAULT '{}',    -- JSON object of type-tagged values
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    last_order_at INTEGER,
                    deleted_at INTEGER
                );
                CREATE INDEX customers_owner ON customers(owner_id);
                CREATE INDEX customers_relationship ON customers(relationship_id);
                CREATE INDEX customers_referrer ON customers(referrer_id);
                CREATE INDEX customers_created ON customers(created_at);

                CREATE TABLE customer_viewers (
                    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    PRIMARY KEY (customer_id, user_id)
                ) WITHOUT ROWID;
                CREATE INDEX customer_viewers_user ON customer_viewers(user_id);
                CREATE TABLE customer_shares (
                    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    PRIMARY KEY (customer_id, user_id)
                ) WITHOUT ROWID;
                CREATE INDEX customer_shares_user ON customer_shares(user_id);

                CREATE TABLE orders (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL CHECK (kind IN ('sale', 'purchase')),
                    customer_id INTEGER NOT NULL REFERENCES customers(id),
                    total INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX orders_customer ON orders(customer_id, created_at);
                CREATE TABLE order_lines (
                    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    product TEXT NOT NULL,
                    quantity REAL NOT NULL,
                    price INTEGER NOT NULL,
                    PRIMARY KEY (order_id, position)
                ) WITHOUT ROWID;

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    source TEXT NOT NULL,
                    action TEXT NOT NULL,
                    entity TEXT NOT NULL,
                    entity_id INTEGER NOT NULL,
                    before TEXT,
                    after TEXT
                );
                CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

                CREATE TABLE notifications (
                    id INTEGER PRIMARY KEY,
                    recipient_id INTEGER NOT NULL REFERENCES users(id),
                    message TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    read_at INTEGER
                );
                CREATE INDEX notifications_recipient ON notifications(recipient_id, id);
                """)
        }
        migrator.registerMigration("v2: the plugin ledger") { db in
            try db.execute(sql: """
                CREATE TABLE plugin_ledger (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    plugin TEXT NOT NULL,
                    version TEXT NOT NULL,
                    hook TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
                    error TEXT,
                    duration_ms REAL NOT NULL,
                    customer_id INTEGER                   -- the event's customer, if any
                );
                CREATE INDEX plugin_ledger_plugin ON plugin_ledger(plugin, id);
                -- One row per customer an invocation is listed under, with what it changed there.
                CREATE TABLE plugin_ledger_customers (
                    entry_id INTEGER NOT NULL REFERENCES plugin_ledger(id),
                    customer_id INTEGER NOT NULL,
                    changes TEXT NOT NULL,                -- JSON: field -> {from, to}
                    PRIMARY KEY (customer_id, entry_id)
                );
                """)
        }
        migrator.registerMigration("v3: scheduled jobs") { db in
            try db.execute(sql: """
                CREATE TABLE plugin_jobs (
                    -- AUTOINCREMENT: an id is never reused, so a handler that schedules its own
                    -- successor (same key) cannot have that job deleted as its own completion.
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    plugin TEXT NOT NULL,
                    key TEXT,
                    handler TEXT NOT NULL,
                    payload TEXT NOT NULL,                -- the host's exact encoding
                    due_at INTEGER NOT NULL,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'failed')),
                    last_error TEXT,
                    created_at INTEGER NOT NULL
                );
                -- The scheduler's question, "what is due first", answered from an index of pending jobs only.
                CREATE INDEX plugin_jobs_due ON plugin_jobs(due_at, id) WHERE status = 'pending';
                CREATE INDEX plugin_jobs_plugin ON plugin_jobs(plugin, status, due_at);
                -- A key names at most one pending job of a plugin.
                CREATE UNIQUE INDEX plugin_jobs_key ON plugin_jobs(plugin, key) WHERE status = 'pending' AND key IS NOT NULL;
                """)
        }
        migrator.registerMigration("v4: the ledger keeps the event's customer's changes in its own row") { db in
            // An invocation is listed under its event's customer through plugin_ledger itself, by
            // index; plugin_ledger_customers keeps only the other customers it changed. One insert
            // per invocation instead of two: the ledger entry was a sixth of an import row with a
            // hook. Existing entries move their event customer's row over.
            try db.execute(sql: """
                ALTER TABLE plugin_ledger ADD COLUMN changes TEXT NOT NULL DEFAULT '{}';   -- JSON, of customer_id
                UPDATE plugin_ledger SET changes = coalesce((
                    SELECT c.changes FROM plugin_ledger_customers c
                    WHERE c.entry_id = plugin_ledger.id AND c.customer_id = plugin_ledger.customer_id), '{}')
                WHERE customer_id IS NOT NULL;
                DELETE FROM plugin_ledger_customers WHERE EXISTS (
                    SELECT 1 FROM plugin_ledger l WHERE l.id = plugin_ledger_customers.entry_id AND l.customer_id = plugin_ledger_customers.customer_id);
                CREATE INDEX plugin_ledger_customer ON plugin_ledger(customer_id, id);
                """)
        }
        migrator.registerMigration("v5: pending jobs listed from the due index, failed ones from their own") { db in
            // plugin_jobs_plugin (plugin, status, due_at) took an entry for every job scheduled
            // (a tenth of an import row with a hook) to answer two rare questions: a plugin's
            // pending jobs (`crm.jobs()`, now read from plugin_jobs_due in due order) and the failed
            // jobs people look at, which get a partial index no pending job ever enters.
            try db.execute(sql: """
                DROP INDEX plugin_jobs_plugin;
                CREATE INDEX plugin_jobs_failed ON plugin_jobs(plugin, due_at, id) WHERE status = 'failed';
                """)
        }
        return migrator
    }
}
