package io.rasd.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * A HF {@code tokenizer.json} run by DJL's binding of the Rust tokenizers library. Truncation and padding are off
 * (DJL truncates to 512 tokens by default, which would silently cut long RAG prompts).
 */
public final class Tokenizer implements AutoCloseable {

    private final Path directory;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> idsByToken;
    private final Set<Integer> specialIds;
    private final int vocabSize;
    private final String fingerprint;
    private final String bosToken;
    private final String eosToken;
    /** Ids of tokenizer.json's added_tokens: their content is written as is, not in the model's spelling. */
    private final Set<Integer> addedIds;
    /** How the decoder spells bytes; null when rasd cannot read token bytes from it (see {@link #tokenBytes}). */
    private final TokenBytes.Spelling spelling;

    private final String decoderDescription;
    private volatile byte[][] tokenBytes;

    private Tokenizer(
            Path directory,
            HuggingFaceTokenizer hf,
            Map<String, Integer> idsByToken,
            Set<Integer> specialIds,
            String fingerprint,
            String bosToken,
            String eosToken,
            Set<Integer> addedIds,
            JsonElement decoder) {
        this.directory = directory;
        this.addedIds = addedIds;
        this.spelling = TokenBytes.spelling(decoder);
        this.decoderDescription = TokenBytes.describe(decoder);
        this.hf = hf;
        this.idsByToken = idsByToken;
        this.specialIds = specialIds;
        int max = -1;
        for (int id : idsByToken.values()) {
            max = Math.max(max, id);
        }
        this.vocabSize = max + 1;
        this.fingerprint = fingerprint;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** Loads {@code dir/tokenizer.json} and, when present, the special tokens of {@code tokenizer_config.json}. */
    public static Tokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new RasdException("Missing " + file + ": rasd needs the model's HF tokenizer.json (the fast"
                    + " tokenizer format; convert a slow tokenizer with transformers' save_pretrained)");
        } catch (CharacterCodingException e) {
            throw new RasdException(file + " is not UTF-8 text (" + e + "); expected a HF tokenizer.json", e);
        } catch (IOException e) {
            throw new RasdException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RasdException(file + " is not a valid JSON object: " + e.getMessage(), e);
        }
        Map<String, Integer> ids = new HashMap<>();
        Set<Integer> special = new HashSet<>();
        Set<Integer> addedIds = new HashSet<>();
        TreeMap<Integer, String> byId = new TreeMap<>();
        JsonObject model = json.has("model") && json.get("model").isJsonObject() ? json.getAsJsonObject("model") : null;
        if (model == null || !model.has("vocab")) {
            throw new RasdException(file + ": missing \"model.vocab\"; expected a HF fast-tokenizer file");
        }
        String section = "model.vocab";
        Object item = null; // the entry being read, for the message (no string built per token)
        try {
            JsonElement vocab = model.get("vocab");
            if (vocab.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                    item = e.getKey();
                    int id = tokenIdOf(e.getValue());
                    ids.put(e.getKey(), id);
                    byId.put(id, e.getKey());
                }
            } else if (vocab.isJsonArray()) { // Unigram: [[piece, score], ...]
                for (int i = 0; i < vocab.getAsJsonArray().size(); i++) {
                    item = i;
                    String piece = vocab.getAsJsonArray()
                            .get(i)
                            .getAsJsonArray()
                            .get(0)
                            .getAsString();
                    ids.put(piece, i);
                    byId.put(i, piece);
                }
            } else {
                throw new IllegalStateException("neither an object (BPE, WordPiece) nor an array (Unigram)");
            }
            if (json.has("added_tokens") && json.get("added_tokens").isJsonArray()) {
                JsonArray added = json.getAsJsonArray("added_tokens");
                for (int i = 0; i < added.size(); i++) {
                    section = "added_tokens";
                    item = i;
                    JsonObject t = added.get(i).getAsJsonObject();
                    int id = tokenIdOf(t.get("id"));
                    String content = t.get("content").getAsString();
                    ids.put(content, id);
                    byId.put(id, content);
                    addedIds.add(id);
                    if (t.has("special") && t.get("special").getAsBoolean()) {
                        special.add(id);
                    }
                }
            }
        } catch (RuntimeException e) {
            String where =
                    section + (item instanceof String key ? "[\"" + key + "\"]" : item != null ? "[" + item + "]" : "");
            throw new RasdException(
                    file + ": malformed " + where + " (" + e.getMessage() + "); expected a HF fast-tokenizer file", e);
        }
        if (byId.isEmpty()) {
            throw new RasdException(file + ": the vocabulary (\"model.vocab\") is empty");
        }
        String bos = null;
        String eos = null;
        Path configFile = dir.resolve("tokenizer_config.json");
        if (Files.exists(configFile)) {
            try {
                JsonObject cfg =
                        JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
                bos = tokenContent(cfg.get("bos_token"));
                eos = tokenContent(cfg.get("eos_token"));
            } catch (IOException | RuntimeException e) {
                throw new RasdException(configFile + " is not a valid JSON object: " + e.getMessage(), e);
            }
        }
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optTruncation(false)
                    .optPadding(false)
                    .optAddSpecialTokens(true)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new RasdException("The tokenizers library cannot load " + file + ": " + e.getMessage(), e);
        }
        return new Tokenizer(dir, hf, ids, special, fingerprint(byId), bos, eos, addedIds, json.get("decoder"));
    }

    /** A token id: an integer in [0, 2^31 - 1). */
    private static int tokenIdOf(JsonElement e) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalStateException("token id " + e + " is not a number");
        }
        long id = e.getAsBigDecimal().longValueExact();
        if (id < 0 || id >= Integer.MAX_VALUE) {
            throw new IllegalStateException("token id " + id + " is outside [0, " + Integer.MAX_VALUE + ")");
        }
        return (int) id;
    }

    /** A special token in tokenizer_config.json is a string or an AddedToken object with "content". */
    static String tokenContent(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            JsonElement c = e.getAsJsonObject().get("content");
            return c == null || c.isJsonNull() ? null : c.getAsString();
        }
        return e.getAsString();
    }

    /** SHA-256 over the id -> token mapping: equal for copies of one vocabulary, different for any other. */
    private static String fingerprint(TreeMap<Integer, String> byId) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<Integer, String> e : byId.entrySet()) {
                md.update((e.getKey() + "\t" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path directory() {
        return directory;
    }

    /** {@code addSpecialTokens=true} is HF's default {@code tokenizer(text)} (BOS etc. from the post-processor). */
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = hf.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return hf.decode(l, skipSpecialTokens);
    }

    /** Highest token id + 1, added tokens included. */
    public int vocabSize() {
        return vocabSize;
    }

    public OptionalInt tokenId(String token) {
        Integer id = idsByToken.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    public boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    public Optional<String> bosToken() {
        return Optional.ofNullable(bosToken);
    }

    public Optional<String> eosToken() {
        return Optional.ofNullable(eosToken);
    }

    public OptionalInt bosTokenId() {
        return bosToken == null ? OptionalInt.empty() : tokenId(bosToken);
    }

    public OptionalInt eosTokenId() {
        return eosToken == null ? OptionalInt.empty() : tokenId(eosToken);
    }

    /**
     * The bytes every id decodes to ({@link #vocabSize()} entries; null for special tokens), for constrained decoding:
     * byte-level BPE tokens may hold part of a UTF-8 character, so text would not do. Computed once.
     *
     * @throws RasdException when the tokenizer's decoder is neither byte-level BPE nor SentencePiece-style
     */
    public byte[][] tokenBytes() {
        byte[][] b = tokenBytes;
        if (b == null) {
            if (spelling == null) {
                throw new RasdException(directory.resolve("tokenizer.json") + ": constrained decoding needs the bytes"
                        + " of every token; rasd reads them from byte-level BPE (decoder ByteLevel) and SentencePiece"
                        + " (Metaspace, or Replace \u2581 with ByteFallback) tokenizers, and this decoder is "
                        + decoderDescription);
            }
            b = TokenBytes.of(
                    idsByToken, specialIds, addedIds, spelling, vocabSize, directory.resolve("tokenizer.json"));
            tokenBytes = b;
        }
        byte[][] copy = new byte[b.length][];
        for (int i = 0; i < b.length; i++) {
            copy[i] = b[i] == null ? null : b[i].clone();
        }
        return copy;
    }

    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public void close() {
        hf.close();
    }
}
