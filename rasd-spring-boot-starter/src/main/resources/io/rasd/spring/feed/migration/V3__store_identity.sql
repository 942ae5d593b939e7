-- A random identity of this store of record, written once. Replicas keep it in their checkpoints: a checkpoint of
-- another store (the database was recreated, or the state folder was copied from elsewhere) is discarded instead of
-- being taken for a position in this store's log.
CREATE TABLE store_identity (
    id TEXT NOT NULL
);
INSERT INTO store_identity (id) VALUES (md5(random()::text || clock_timestamp()::text));
