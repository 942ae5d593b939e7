package io.rasd.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a byte-level BPE tokenizer the way GPT-2 / HF {@code tokenizers} does (ByteLevel pre-tokenizer with the GPT-2
 * split regex, merges learned by pair frequency within words) and writes a standard HF {@code tokenizer.json} plus a
 * {@code tokenizer_config.json} carrying a ChatML chat template, so the result loads through the same path as any HF
 * model's tokenizer.
 */
public final class BpeTrainer {

    /** GPT-2's split, as the HF ByteLevel pre-tokenizer applies it with {@code use_regex}. */
    static final Pattern GPT2_SPLIT =
            Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    public static final List<String> SPECIALS = List.of("<s>", "</s>", "<unk>", "<pad>", "<|im_start|>", "<|im_end|>");

    static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final char[] BYTE_TO_CHAR = byteToUnicode();

    private final Map<String, Long> wordCounts = new HashMap<>();

    /** GPT-2's reversible byte → printable character map (bytes that print as themselves keep their code point). */
    static char[] byteToUnicode() {
        char[] map = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = direct[b] ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    static String byteLevel(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }

    /** Counts the pre-tokenized words of a text. */
    public void add(String text) {
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            wordCounts.merge(byteLevel(m.group()), 1L, Long::sum);
        }
    }

    /** The learned vocabulary (specials, 256 bytes, then one token per merge) and merges, in order. */
    public record Result(Map<String, Integer> vocab, List<String[]> merges) {}

    public Result train(int vocabSize) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : SPECIALS) {
            vocab.put(s, vocab.size());
        }
        List<String> symbols = new ArrayList<>(); // symbol id -> string
        Map<String, Integer> symbolIds = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(BYTE_TO_CHAR[b]);
            symbolIds.put(s, symbols.size());
            symbols.add(s);
            vocab.put(s, vocab.size());
        }
        List<int[]> words = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        wordCounts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String w = e.getKey();
            int[] ids = new int[w.length()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = symbolIds.get(String.valueOf(w.charAt(i)));
            }
            words.add(ids);
            counts.add(e.getValue());
        });
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int w = 0; w < words.size(); w++) {
            addPairs(words.get(w), counts.get(w), w, pairCounts, where, 1);
        }
        List<String[]> merges = new ArrayList<>();
        while (vocab.size() < vocabSize && !pairCounts.isEmpty()) {
            long best = -1;
            long bestCount = 0;
            for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
                long c = e.getValue();
                if (c > bestCount || (c == bestCount && c > 0 && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (bestCount < 2) {
                break;
            }
            int a = (int) (best >>> 32);
            int b = (int) best;
            String merged = symbols.get(a) + symbols.get(b);
            int newId = symbols.size();
            symbols.add(merged);
            symbolIds.put(merged, newId);
            vocab.putIfAbsent(merged, vocab.size());
            merges.add(new String[] {symbols.get(a), symbols.get(b)});
            for (int w : new ArrayList<>(where.getOrDefault(best, Set.of()))) {
                int[] old = words.get(w);
                long count = counts.get(w);
                addPairs(old, count, w, pairCounts, where, -1);
                int[] replaced = new int[old.length];
                int n = 0;
                for (int i = 0; i < old.length; i++) {
                    if (i + 1 < old.length && old[i] == a && old[i + 1] == b) {
                        replaced[n++] = newId;
                        i++;
                    } else {
                        replaced[n++] = old[i];
                    }
                }
                int[] now = java.util.Arrays.copyOf(replaced, n);
                words.set(w, now);
                addPairs(now, count, w, pairCounts, where, 1);
            }
            pairCounts.remove(best);
            where.remove(best);
        }
        return new Result(vocab, merges);
    }

    private static void addPairs(
            int[] word, long count, int w, Map<Long, Long> pairCounts, Map<Long, Set<Integer>> where, int sign) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = ((long) word[i] << 32) | (word[i + 1] & 0xFFFFFFFFL);
            long c = pairCounts.getOrDefault(key, 0L) + sign * count;
            if (c <= 0) {
                pairCounts.remove(key);
                Set<Integer> s = where.get(key);
                if (s != null) {
                    s.remove(w);
                }
            } else {
                pairCounts.put(key, c);
                if (sign > 0) {
                    where.computeIfAbsent(key, k -> new HashSet<>()).add(w);
                }
            }
        }
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}. */
    public static void write(Result r, Path dir, int maxLength) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonArray added = new JsonArray();
        for (String s : SPECIALS) {
            JsonObject t = new JsonObject();
            t.addProperty("id", r.vocab().get(s));
            t.addProperty("content", s);
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", true);
            added.add(t);
        }
        root.add("added_tokens", added);
        root.add("normalizer", null);
        root.add("pre_tokenizer", byteLevelJson(false, true));
        JsonObject template = new JsonObject();
        template.addProperty("type", "TemplateProcessing");
        template.add(
                "single",
                com.google.gson.JsonParser.parseString(
                        "[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]"));
        template.add(
                "pair",
                com.google.gson.JsonParser.parseString(
                        "[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                                + "{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"B\",\"type_id\":0}}]"));
        template.add(
                "special_tokens",
                com.google.gson.JsonParser.parseString(
                        "{\"<s>\":{\"id\":\"<s>\",\"ids\":[" + r.vocab().get("<s>") + "],\"tokens\":[\"<s>\"]}}"));
        JsonObject post = new JsonObject();
        post.addProperty("type", "Sequence");
        JsonArray processors = new JsonArray();
        processors.add(byteLevelJson(true, false));
        processors.add(template);
        post.add("processors", processors);
        root.add("post_processor", post);
        root.add("decoder", byteLevelJson(true, true));
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", null);
        model.add("unk_token", null);
        model.add("continuing_subword_prefix", null);
        model.add("end_of_word_suffix", null);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.addProperty("ignore_merges", false);
        JsonObject vocab = new JsonObject();
        r.vocab().forEach(vocab::addProperty);
        model.add("vocab", vocab);
        JsonArray merges = new JsonArray();
        for (String[] m : r.merges()) {
            JsonArray pair = new JsonArray();
            pair.add(m[0]);
            pair.add(m[1]);
            merges.add(pair);
        }
        model.add("merges", merges);
        root.add("model", model);

        JsonObject config = new JsonObject();
        config.addProperty("bos_token", "<s>");
        config.addProperty("eos_token", "</s>");
        config.addProperty("unk_token", "<unk>");
        config.addProperty("pad_token", "<pad>");
        config.addProperty("model_max_length", maxLength);
        config.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        config.addProperty("chat_template", CHAT_TEMPLATE);
        try {
            Files.createDirectories(dir);
            var gson = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
            Files.writeString(dir.resolve("tokenizer.json"), gson.toJson(root));
            Files.writeString(
                    dir.resolve("tokenizer_config.json"),
                    new GsonBuilder()
                            .disableHtmlEscaping()
                            .setPrettyPrinting()
                            .create()
                            .toJson(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonObject byteLevelJson(boolean addPrefixSpace, boolean trimOffsets) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "ByteLevel");
        o.addProperty("add_prefix_space", addPrefixSpace);
        o.addProperty("trim_offsets", trimOffsets);
        o.addProperty("use_regex", true);
        return o;
    }
}
