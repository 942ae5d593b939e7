/**
 * The token datastore, storage side of the paper's REST-style retrieval (step 2): the application's documents as
 * token ids in immutable suffix-array segments. {@link io.rasd.datastore.TokenDatastore} answers a query with the
 * continuations of the longest matching context suffix, counted by frequency ({@link io.rasd.datastore.Continuation}),
 * takes documents added and removed at run time (merged and compacted on a background thread), and saves atomically.
 * {@link io.rasd.datastore.SuffixArray} builds the index, {@link io.rasd.datastore.DatastoreFile} is the memory-mapped
 * file format, {@link io.rasd.datastore.DatastoreBuilder} indexes text files.
 *
 * <p>See {@code docs/architecture.md} §11 (query, segments, file format, crash-safe saves).
 */
package io.rasd.datastore;
