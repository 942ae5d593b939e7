package io.rasd.spring.feed;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The store of record in PostgreSQL that every replica follows: documents, their segments and embeddings, and an
 * ordered change log, each change written in the same transaction as the rows it changes. Replicas read the log
 * from their recorded position ({@link #eventsAfter}) and, for each put, the document's segments
 * ({@link #segments}); a
 * notification on {@link #channel()} wakes them when a change commits.
 *
 * <p>The schema is owned by Flyway ({@code classpath:io/rasd/spring/feed/migration}) in its own PostgreSQL schema with
 * its own history table, so it never mixes with the application's migrations.
 */
public final class RasdFeedStore {

    /** Longest document id, in characters (also a CHECK of the table). */
    public static final int MAX_ID_LENGTH = 256;

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final DataSource dataSource;
    private final String schema;

    /** A change of the log: a put of the document (its version is {@code position}) or its delete. */
    public record Event(long position, String documentId, boolean put, Instant createdAt) {}

    /** One stored segment as a replica applies it. */
    public record Segment(String id, TextSegment segment, Embedding embedding) {}

    public RasdFeedStore(DataSource dataSource, String schema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (schema == null || !SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("rasd.feed.schema must be a lower-case SQL identifier"
                    + " ([a-z_][a-z0-9_]*, at most 63 characters), not '" + schema + "'");
        }
        this.schema = schema;
    }

    /** Creates or upgrades the schema (Flyway), after checking the database is PostgreSQL. */
    public void migrate() {
        try (Connection c = dataSource.getConnection()) {
            String product = c.getMetaData().getDatabaseProductName();
            if (!"PostgreSQL".equals(product)) {
                throw new IllegalStateException("the store of record needs PostgreSQL (LISTEN/NOTIFY, JSONB);"
                        + " the datasource is " + product);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to the datasource: " + e.getMessage(), e);
        }
        Flyway.configure(RasdFeedStore.class.getClassLoader())
                .dataSource(dataSource)
                .schemas(schema)
                .defaultSchema(schema)
                .createSchemas(true)
                .table("rasd_schema_history")
                .locations("classpath:io/rasd/spring/feed/migration")
                .load()
                .migrate();
    }

    public String schema() {
        return schema;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** The notification channel: one per schema, so two feeds in one database do not wake each other. */
    public String channel() {
        return "rasd_feed_" + schema;
    }

    /** This store's random identity (written once by the migration): replicas tell its checkpoints from others'. */
    public String identity() {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id FROM " + schema + ".store_identity")) {
            r.next();
            return r.getString(1);
        } catch (SQLException e) {
            throw failure("read the store's identity", e);
        }
    }

    /** SHA-256 of a document's text and metadata: equal when a put would change nothing. */
    public static String contentHash(String text, Metadata metadata) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(text.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(metadataJson(metadata).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The content hash of the stored version of a document, if it is stored. */
    public Optional<String> contentHash(String documentId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s =
                        c.prepareStatement("SELECT content_sha256 FROM " + schema + ".documents WHERE id = ?")) {
            s.setString(1, documentId);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read document " + documentId, e);
        }
    }

    /**
     * Stores a document (replacing the version stored under its id) with its segments and their embeddings, and
     * appends a put to the change log, in one transaction; returns the put's position.
     */
    public long put(
            String documentId, String text, Metadata metadata, List<TextSegment> segments, List<Embedding> embeddings) {
        checkId(documentId);
        if (segments.size() != embeddings.size()) {
            throw new IllegalArgumentException(segments.size() + " segments but " + embeddings.size() + " embeddings");
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long position = append(c, documentId, "put");
                try (PreparedStatement s = c.prepareStatement("INSERT INTO " + schema
                        + ".documents (id, text, metadata, content_sha256, version) VALUES (?, ?, ?::jsonb, ?, ?)"
                        + " ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, metadata = EXCLUDED.metadata,"
                        + " content_sha256 = EXCLUDED.content_sha256, version = EXCLUDED.version,"
                        + " updated_at = clock_timestamp()")) {
                    s.setString(1, documentId);
                    s.setString(2, text);
                    s.setString(3, metadataJson(metadata));
                    s.setString(4, contentHash(text, metadata));
                    s.setLong(5, position);
                    s.executeUpdate();
                }
                try (PreparedStatement s =
                        c.prepareStatement("DELETE FROM " + schema + ".segments WHERE document_id = ?")) {
                    s.setString(1, documentId);
                    s.executeUpdate();
                }
                try (PreparedStatement s = c.prepareStatement("INSERT INTO " + schema
                        + ".segments (document_id, ordinal, version, segment_id, text, metadata, embedding)"
                        + " VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)")) {
                    for (int i = 0; i < segments.size(); i++) {
                        s.setString(1, documentId);
                        s.setInt(2, i);
                        s.setLong(3, position);
                        s.setString(4, segmentId(documentId, position, i));
                        s.setString(5, segments.get(i).text());
                        s.setString(6, metadataJson(segments.get(i).metadata()));
                        s.setBytes(7, bytes(embeddings.get(i).vector()));
                        s.addBatch();
                    }
                    s.executeBatch();
                }
                notify(c, position);
                c.commit();
                return position;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("store document " + documentId, e);
        }
    }

    /** Deletes a document and appends a delete to the log in one transaction; empty when no such document exists. */
    public OptionalLong delete(String documentId) {
        checkId(documentId);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c);
                try (PreparedStatement s = c.prepareStatement("DELETE FROM " + schema + ".documents WHERE id = ?")) {
                    s.setString(1, documentId);
                    if (s.executeUpdate() == 0) {
                        c.rollback();
                        return OptionalLong.empty();
                    }
                }
                long position = append(c, documentId, "delete");
                notify(c, position);
                c.commit();
                return OptionalLong.of(position);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("delete document " + documentId, e);
        }
    }

    /** The position of the last change (0 when the log is empty). */
    public long head() {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT coalesce(max(position), 0) FROM " + schema + ".change_log")) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw failure("read the log head", e);
        }
    }

    /** Up to {@code limit} changes after {@code position}, in order. */
    public List<Event> eventsAfter(long position, int limit) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT position, document_id, kind, created_at FROM " + schema
                        + ".change_log WHERE position > ? ORDER BY position LIMIT ?")) {
            s.setLong(1, position);
            s.setInt(2, limit);
            List<Event> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Timestamp t = r.getTimestamp(4);
                    out.add(new Event(r.getLong(1), r.getString(2), "put".equals(r.getString(3)), t.toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read the change log after " + position, e);
        }
    }

    /**
     * The segments of a document's current version, in order (one statement: never half of one version and half of
     * another); empty when the document is not stored.
     */
    public List<Segment> segments(String documentId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT segment_id, text, metadata, embedding FROM " + schema
                        + ".segments WHERE document_id = ? ORDER BY ordinal")) {
            s.setString(1, documentId);
            List<Segment> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new Segment(
                            r.getString(1),
                            TextSegment.from(r.getString(2), metadata(r.getString(3))),
                            Embedding.from(floats(r.getBytes(4)))));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read the segments of " + documentId, e);
        }
    }

    /** Ids of the stored documents with their versions (the position of the put that wrote each). */
    public Map<String, Long> documents() {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id, version FROM " + schema + ".documents ORDER BY id")) {
            Map<String, Long> out = new java.util.LinkedHashMap<>();
            while (r.next()) {
                out.put(r.getString(1), r.getLong(2));
            }
            return out;
        } catch (SQLException e) {
            throw failure("list the documents", e);
        }
    }

    /** A published snapshot: the files of a replica's checkpoint at {@code position}. */
    public record Snapshot(long id, long position, Instant createdAt, String publishedBy) {}

    private static final int CHUNK = 4 << 20;

    /** The newest published snapshot, if any. */
    public Optional<Snapshot> newestSnapshot() {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id, position, created_at, published_by FROM " + schema
                        + ".snapshots ORDER BY position DESC, id DESC LIMIT 1")) {
            return r.next()
                    ? Optional.of(new Snapshot(
                            r.getLong(1), r.getLong(2), r.getTimestamp(3).toInstant(), r.getString(4)))
                    : Optional.empty();
        } catch (SQLException e) {
            throw failure("read the newest snapshot", e);
        }
    }

    /**
     * Publishes the files of a checkpoint at {@code position} as a snapshot, in one transaction, unless another
     * replica is publishing right now, or the newest snapshot is at this position or later, or younger than
     * {@code minAge}; keeps the newest two. Returns whether it published.
     */
    public boolean publishSnapshot(long position, Map<String, Path> files, String publishedBy, Duration minAge) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtext(?))")) {
                    s.setString(1, schema + ".snapshots");
                    try (ResultSet r = s.executeQuery()) {
                        r.next();
                        if (!r.getBoolean(1)) {
                            c.rollback();
                            return false; // another replica is publishing
                        }
                    }
                }
                // ages by the database's clock: replicas' clocks may differ from it and from each other
                try (PreparedStatement s = c.prepareStatement("SELECT coalesce(max(position), 0),"
                        + " coalesce(bool_or(created_at > clock_timestamp() - make_interval(secs => ?)), false)"
                        + " FROM " + schema + ".snapshots")) {
                    s.setDouble(1, minAge.toMillis() / 1000.0);
                    try (ResultSet r = s.executeQuery()) {
                        r.next();
                        if (r.getLong(1) >= position || r.getBoolean(2)) {
                            c.rollback();
                            return false;
                        }
                    }
                }
                long id = insertReturningLong(
                        c,
                        "INSERT INTO " + schema + ".snapshots (position, published_by) VALUES (?, ?) RETURNING id",
                        position,
                        publishedBy);
                try (PreparedStatement s = c.prepareStatement("INSERT INTO " + schema
                        + ".snapshot_chunks (snapshot_id, file, seq, data) VALUES (?, ?, ?, ?)")) {
                    for (Map.Entry<String, Path> f : files.entrySet()) {
                        try (InputStream in = Files.newInputStream(f.getValue())) {
                            int seq = 0;
                            for (byte[] chunk; (chunk = in.readNBytes(CHUNK)).length > 0 || seq == 0; seq++) {
                                s.setLong(1, id);
                                s.setString(2, f.getKey());
                                s.setInt(3, seq);
                                s.setBytes(4, chunk);
                                s.executeUpdate();
                                if (chunk.length < CHUNK) {
                                    break;
                                }
                            }
                        }
                    }
                }
                try (PreparedStatement s = c.prepareStatement("DELETE FROM " + schema + ".snapshots WHERE id NOT IN"
                        + " (SELECT id FROM " + schema + ".snapshots ORDER BY position DESC, id DESC LIMIT 2)")) {
                    s.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("publish a snapshot at position " + position, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a checkpoint file to publish", e);
        }
    }

    /**
     * Writes the files of a snapshot into {@code dir}, each streamed into a temporary file, fsynced and renamed;
     * {@code last} (the manifest) is renamed after all the others, so that it names complete files only.
     */
    public void downloadSnapshot(long id, Path dir, String last) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false); // PgJDBC streams rows with a fetch size only inside a transaction
            try (PreparedStatement s = c.prepareStatement("SELECT file, data FROM " + schema
                    + ".snapshot_chunks WHERE snapshot_id = ? ORDER BY file = ?, file, seq")) {
                s.setFetchSize(2);
                s.setLong(1, id);
                s.setString(2, last);
                OutputStream out = null;
                String current = null;
                Path tmp = null;
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        String file = r.getString(1);
                        if (!file.equals(current)) {
                            if (out != null) {
                                out.close();
                                finish(tmp, dir.resolve(current));
                            }
                            checkFileName(file);
                            current = file;
                            tmp = dir.resolve("." + file + ".download.tmp");
                            out = Files.newOutputStream(tmp);
                        }
                        out.write(r.getBytes(2));
                    }
                    if (out != null) {
                        out.close();
                        finish(tmp, dir.resolve(current));
                    }
                } finally {
                    if (out != null) {
                        out.close();
                    }
                }
                c.commit();
            }
        } catch (SQLException e) {
            throw failure("download snapshot " + id, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write snapshot " + id + " into " + dir, e);
        }
    }

    private static void checkFileName(String file) throws IOException {
        if (!file.matches("[A-Za-z0-9._-]{1,100}") || file.startsWith(".")) {
            throw new IOException("a snapshot file name that is not a plain name: " + file);
        }
    }

    private static void finish(Path tmp, Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void checkId(String documentId) {
        if (documentId == null || documentId.isEmpty() || documentId.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("a document id has 1 to " + MAX_ID_LENGTH + " characters");
        }
    }

    /**
     * Locks the log for writers until this transaction ends. A position is taken from the identity sequence when a
     * row is inserted, but rows become visible when their transaction commits: without the lock, position 7 could
     * commit after a replica has read position 8 and be skipped by it for good.
     */
    private void lock(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE " + schema + ".change_log IN EXCLUSIVE MODE");
        }
    }

    private long append(Connection c, String documentId, String kind) throws SQLException {
        lock(c);
        return insertReturningLong(
                c,
                "INSERT INTO " + schema + ".change_log (document_id, kind) VALUES (?, ?) RETURNING position",
                documentId,
                kind);
    }

    private static long insertReturningLong(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** Delivered to listeners when the transaction commits (never for a rollback). */
    private void notify(Connection c, long position) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            s.setString(1, channel());
            s.setString(2, Long.toString(position));
            s.execute();
        }
    }

    /** A segment's id: the same on every replica, and new for every version (so no replica mistakes an old one). */
    static String segmentId(String documentId, long position, int ordinal) {
        return UUID.nameUUIDFromBytes((documentId + '\0' + position + '\0' + ordinal).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private RuntimeException failure(String what, SQLException e) {
        return new IllegalStateException(
                "rasd feed: cannot " + what + " in schema " + schema + ": " + e.getMessage(), e);
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static float[] floats(byte[] bytes) {
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    /**
     * Metadata as JSON that keeps each value's type ({@code {"key": ["integer", 5]}}): LangChain4j metadata tells
     * Integer from Long from Double, and filters compare by type, so every replica must get back the same types.
     */
    static String metadataJson(Metadata metadata) {
        JsonObject o = new JsonObject();
        for (Map.Entry<String, Object> e : new java.util.TreeMap<>(metadata.toMap()).entrySet()) {
            JsonArray typed = new JsonArray();
            Object v = e.getValue();
            String type = v instanceof Integer
                    ? "integer"
                    : v instanceof Long
                            ? "long"
                            : v instanceof Float
                                    ? "float"
                                    : v instanceof Double ? "double" : v instanceof UUID ? "uuid" : "string";
            typed.add(type);
            if (v instanceof Number n) {
                typed.add(n);
            } else {
                typed.add(String.valueOf(v));
            }
            o.add(e.getKey(), typed);
        }
        return o.toString();
    }

    static Metadata metadata(String json) {
        Metadata m = new Metadata();
        for (Map.Entry<String, JsonElement> e :
                JsonParser.parseString(json).getAsJsonObject().entrySet()) {
            JsonArray typed = e.getValue().getAsJsonArray();
            JsonElement v = typed.get(1);
            switch (typed.get(0).getAsString()) {
                case "integer" -> m.put(e.getKey(), v.getAsInt());
                case "long" -> m.put(e.getKey(), v.getAsLong());
                case "float" -> m.put(e.getKey(), v.getAsFloat());
                case "double" -> m.put(e.getKey(), v.getAsDouble());
                case "uuid" -> m.put(e.getKey(), UUID.fromString(v.getAsString()));
                default -> m.put(e.getKey(), v.getAsString());
            }
        }
        return m;
    }
}
