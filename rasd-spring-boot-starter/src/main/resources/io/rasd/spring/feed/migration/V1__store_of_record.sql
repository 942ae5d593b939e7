-- The store of record that every replica follows (rasd.feed.*). Flyway runs this in the schema rasd.feed.schema
-- (its search path), with its own history table, so it never mixes with the application's migrations.

-- Every change, in the order replicas apply it. Writers lock this table (EXCLUSIVE: readers go on) for the rest of
-- their transaction before taking a position, so positions commit in ascending order: a replica that has read
-- position N can never later see a smaller one appear (the outbox pattern's gap problem).
CREATE TABLE change_log (
    position    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id TEXT        NOT NULL,
    kind        TEXT        NOT NULL CHECK (kind IN ('put', 'delete')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- The current version of each document: version is the position of the put that wrote it.
CREATE TABLE documents (
    id             TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
    text           TEXT        NOT NULL,
    metadata       JSONB       NOT NULL,
    content_sha256 TEXT        NOT NULL,
    version        BIGINT      NOT NULL REFERENCES change_log (position),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- The segments of each document's current version with their embeddings (float32, little-endian), as the writer
-- split and embedded them: replicas never embed again, so every replica's index holds the same vectors.
CREATE TABLE segments (
    document_id TEXT    NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal     INT     NOT NULL,
    version     BIGINT  NOT NULL,
    segment_id  TEXT    NOT NULL UNIQUE,
    text        TEXT    NOT NULL,
    metadata    JSONB   NOT NULL,
    embedding   BYTEA   NOT NULL,
    PRIMARY KEY (document_id, ordinal)
);
