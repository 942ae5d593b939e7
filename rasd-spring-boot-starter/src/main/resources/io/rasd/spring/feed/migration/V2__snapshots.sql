-- Snapshots replicas publish: the files of one replica's checkpoint (manifest, token datastore, embedding index) at a
-- change-log position, so that a new replica starts from one and replays only the log after it. Files are stored in
-- chunks, written and read as streams, so no file has to fit in memory; a snapshot is published in one transaction,
-- so a reader sees all of it or nothing.
CREATE TABLE snapshots (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position     BIGINT      NOT NULL,
    published_by TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE snapshot_chunks (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    file        TEXT   NOT NULL,
    seq         INT    NOT NULL,
    data        BYTEA  NOT NULL,
    PRIMARY KEY (snapshot_id, file, seq)
);
