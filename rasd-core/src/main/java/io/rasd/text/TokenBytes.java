package io.rasd.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The bytes each vocabulary entry decodes to, read from how tokenizer.json spells it: byte-level BPE (GPT-2's
 * byte-to-character table: Llama 3, Qwen, SmolLM, the fixtures) or SentencePiece-style (▁ for a space, {@code <0xAB>}
 * byte-fallback pieces: Llama 2, Mistral). Constrained decoding needs bytes, not text: a byte-level token may hold
 * half a UTF-8 character, which decoding alone would show as U+FFFD.
 */
final class TokenBytes {

    /** How the decoder turns pieces into bytes. */
    enum Spelling {
        BYTE_LEVEL,
        SENTENCEPIECE
    }

    private TokenBytes() {}

    /** The spelling of a tokenizer.json's {@code decoder}, or null when it is neither kind. */
    static Spelling spelling(JsonElement decoder) {
        if (decoder == null || !decoder.isJsonObject()) {
            return null;
        }
        JsonObject d = decoder.getAsJsonObject();
        String type = d.has("type") ? d.get("type").getAsString() : "";
        switch (type) {
            case "ByteLevel":
                return Spelling.BYTE_LEVEL;
            case "Metaspace":
            case "ByteFallback":
                return Spelling.SENTENCEPIECE;
            case "Sequence":
                if (!d.has("decoders") || !d.get("decoders").isJsonArray()) {
                    return null;
                }
                JsonArray parts = d.getAsJsonArray("decoders");
                Spelling found = null;
                for (JsonElement part : parts) {
                    Spelling s = spelling(part);
                    if (s == null && part.isJsonObject() && isSpaceReplace(part.getAsJsonObject())) {
                        s = Spelling.SENTENCEPIECE;
                    }
                    found = found == null ? s : found;
                }
                return found;
            default:
                return null;
        }
    }

    /** SentencePiece's {@code Replace("▁", " ")} decoder step. */
    private static boolean isSpaceReplace(JsonObject d) {
        return d.has("type")
                && d.get("type").getAsString().equals("Replace")
                && d.toString().contains("\u2581");
    }

    /** Describes the decoder for a refusal. */
    static String describe(JsonElement decoder) {
        return decoder == null || decoder.isJsonNull() ? "none" : decoder.toString();
    }

    /**
     * The bytes of every id below {@code size}: null for special tokens and ids the vocabulary lacks. Added tokens
     * that are not special are their content in UTF-8, as HF's decode writes them.
     */
    static byte[][] of(
            Map<String, Integer> idsByToken,
            Set<Integer> specialIds,
            Set<Integer> addedIds,
            Spelling spelling,
            int size,
            Path file) {
        if (spelling == null) {
            throw new RasdException(file + ": constrained decoding needs the bytes of every token, and rasd reads them"
                    + " from byte-level BPE or SentencePiece (Metaspace, byte fallback) tokenizers only");
        }
        byte[][] out = new byte[size][];
        int[] fromChar = spelling == Spelling.BYTE_LEVEL ? byteLevelInverse() : null;
        for (Map.Entry<String, Integer> e : idsByToken.entrySet()) {
            int id = e.getValue();
            if (id >= size || specialIds.contains(id)) {
                continue;
            }
            String piece = e.getKey();
            if (addedIds.contains(id)) {
                out[id] = piece.getBytes(StandardCharsets.UTF_8);
            } else if (fromChar != null) {
                out[id] = byteLevel(piece, fromChar);
            } else {
                out[id] = sentencePiece(piece);
            }
        }
        return out;
    }

    /** GPT-2's table backwards: character -> byte, -1 for characters that stand for no byte. */
    private static int[] byteLevelInverse() {
        int[] inverse = new int[512];
        java.util.Arrays.fill(inverse, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            inverse[printable ? b : 256 + n++] = b;
        }
        return inverse;
    }

    /** A byte-level piece's bytes, or null when a character is outside the table (then it is no byte-level piece). */
    private static byte[] byteLevel(String piece, int[] fromChar) {
        byte[] out = new byte[piece.length()];
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            int b = c < fromChar.length ? fromChar[c] : -1;
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** {@code <0xAB>} is the byte AB; otherwise ▁ is a space and the rest is UTF-8. */
    private static byte[] sentencePiece(String piece) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
            } catch (NumberFormatException notAByte) {
                // an ordinary piece that looks like one
            }
        }
        return piece.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }
}
