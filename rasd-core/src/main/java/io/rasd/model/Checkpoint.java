package io.rasd.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a HF model directory: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}. Tensors are looked up by their HF name across shards.
 */
public final class Checkpoint implements AutoCloseable {

    private final Path dir;
    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> byTensor;

    private Checkpoint(Path dir, List<SafeTensorsFile> files, Map<String, SafeTensorsFile> byTensor) {
        this.dir = dir;
        this.files = files;
        this.byTensor = byTensor;
    }

    public static Checkpoint open(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        List<SafeTensorsFile> files = new ArrayList<>();
        Map<String, SafeTensorsFile> byTensor = new HashMap<>();
        try {
            if (Files.exists(single)) {
                SafeTensorsFile f = SafeTensorsFile.open(single);
                files.add(f);
                for (String n : f.names()) {
                    byTensor.put(n, f);
                }
            } else if (Files.exists(index)) {
                Map<String, String> weightMap = readIndex(index);
                Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    String shardName = e.getValue();
                    Path shardPath = shardPath(dir, index, shardName);
                    SafeTensorsFile shard = shards.get(shardName);
                    if (shard == null) {
                        shard = SafeTensorsFile.open(shardPath);
                        shards.put(shardName, shard);
                        files.add(shard);
                    }
                    if (!shard.contains(e.getKey())) {
                        throw new RasdException(index + " says tensor \"" + e.getKey() + "\" is in " + shardName
                                + ", but that shard does not contain it");
                    }
                    byTensor.put(e.getKey(), shard);
                }
            } else {
                throw new RasdException("No weights in " + dir
                        + ": expected model.safetensors or model.safetensors.index.json (only safetensors checkpoints"
                        + " are supported; convert .bin/.pth with transformers' save_pretrained)");
            }
        } catch (RuntimeException e) {
            files.forEach(SafeTensorsFile::close);
            throw e;
        }
        return new Checkpoint(dir, files, byTensor);
    }

    private static Map<String, String> readIndex(Path index) {
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
        } catch (IOException e) {
            throw new RasdException("Cannot read " + index + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RasdException(index + " is not a JSON object: " + e.getMessage(), e);
        }
        JsonElement wm = root.get("weight_map");
        if (wm == null || !wm.isJsonObject()) {
            throw new RasdException(index + ": missing \"weight_map\" object (tensor name -> shard file)");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : wm.getAsJsonObject().entrySet()) {
            // found by fuzzing: getAsString() on null, an object or an array threw instead of naming the entry
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new RasdException(
                        index + ": weight_map[\"" + e.getKey() + "\"] is " + v + "; expected the file name of a shard");
            }
            map.put(e.getKey(), v.getAsString());
        }
        return map;
    }

    /**
     * The shard's path, which must be a file directly inside the model directory. Found by fuzzing: "/" has no parent
     * (a NullPointerException) and a name with a NUL character is no path at all (an InvalidPathException).
     */
    private static Path shardPath(Path dir, Path index, String shardName) {
        Path shardPath;
        try {
            shardPath = dir.resolve(shardName).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            shardPath = null;
        }
        if (shardPath == null
                || shardPath.getParent() == null
                || !shardPath.getParent().equals(dir.normalize())) {
            throw new RasdException(
                    index + ": shard \"" + shardName + "\" must be a file name inside the model directory");
        }
        return shardPath;
    }

    public Path directory() {
        return dir;
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    public TensorData tensor(String name) {
        SafeTensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new RasdException("Checkpoint " + dir + " has no tensor \"" + name + "\"");
        }
        return f.tensor(name);
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
