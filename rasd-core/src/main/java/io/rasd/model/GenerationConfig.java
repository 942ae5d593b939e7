package io.rasd.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What {@code generation_config.json} (or, failing that, {@code config.json}) says about generation: the
 * end-of-sequence ids (one id or a list, as Llama 3 has) and the BOS id.
 */
public record GenerationConfig(int[] eosTokenIds, int bosTokenId) {

    public GenerationConfig {
        eosTokenIds = eosTokenIds.clone();
    }

    @Override
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    public boolean isEos(int token) {
        for (int id : eosTokenIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    public static GenerationConfig read(Path dir) {
        JsonObject gen = readOptional(dir.resolve("generation_config.json"));
        JsonObject cfg = readOptional(dir.resolve("config.json"));
        int[] eos = ids(gen, "eos_token_id");
        if (eos == null) {
            eos = ids(cfg, "eos_token_id");
        }
        int[] bos = ids(gen, "bos_token_id");
        if (bos == null) {
            bos = ids(cfg, "bos_token_id");
        }
        return new GenerationConfig(eos == null ? new int[0] : eos, bos == null || bos.length == 0 ? -1 : bos[0]);
    }

    private static JsonObject readOptional(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new RasdException(file + " is not a readable JSON object: " + e.getMessage(), e);
        }
    }

    private static int[] ids(JsonObject o, String key) {
        if (o == null) {
            return null;
        }
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonArray()) {
            int[] out = new int[e.getAsJsonArray().size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = e.getAsJsonArray().get(i).getAsInt();
            }
            return out;
        }
        return new int[] {e.getAsInt()};
    }

    @Override
    public String toString() {
        return "GenerationConfig[eos=" + Arrays.toString(eosTokenIds) + ", bos=" + bosTokenId + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationConfig g
                && Arrays.equals(eosTokenIds, g.eosTokenIds)
                && bosTokenId == g.bosTokenId;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(eosTokenIds) + bosTokenId;
    }
}
