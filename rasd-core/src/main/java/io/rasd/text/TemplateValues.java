package io.rasd.text;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.rasd.RasdException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values chat templates are given besides messages (tool schemas, documents, tool-call arguments, extra
 * variables): JSON data as Python's {@code json.loads} makes it, in Java types the sandbox lets templates read —
 * {@code LinkedHashMap} (dicts keep their order: {@code tojson} prints keys as inserted, as Python does), {@code
 * ArrayList}, {@code String}, {@code Long} for integers (a Double would print as {@code 2.0} where Python prints
 * {@code 2}), {@code Double}, {@code Boolean} and null.
 */
public final class TemplateValues {

    private TemplateValues() {}

    /** Parses JSON text into template data; throws {@link RasdException} naming the problem when it is not JSON. */
    public static Object fromJson(String json) {
        try {
            return fromJson(JsonParser.parseString(json));
        } catch (RuntimeException e) {
            if (e instanceof RasdException r) {
                throw r;
            }
            throw new RasdException("not valid JSON: " + e.getMessage(), e);
        }
    }

    public static Object fromJson(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(en -> m.put(en.getKey(), fromJson(en.getValue())));
            return m;
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(fromJson(x)));
            return l;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isString()) {
            return p.getAsString();
        }
        BigDecimal d = p.getAsBigDecimal();
        String text = p.getAsString();
        if (!text.contains(".") && !text.contains("e") && !text.contains("E")) {
            try {
                return d.longValueExact();
            } catch (ArithmeticException tooLarge) {
                return d.doubleValue();
            }
        }
        return d.doubleValue();
    }

    /**
     * Template data as compact JSON text, keys in order, {@code <} and {@code >} as themselves (Gson would escape them
     * for HTML); what a tool call's arguments become for APIs that take them as a JSON string.
     */
    public static String toJson(Object value) {
        return JSON.toJson(copy(value));
    }

    private static final Gson JSON =
            new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    /**
     * A deep copy of {@code value} checked to be template data (the types above, other numbers widened to Long or
     * Double, any Map or List copied in order), so a caller's objects never reach a template.
     */
    @SuppressWarnings("unchecked")
    public static <T> T copy(T value) {
        return (T) copy(value, 0);
    }

    private static Object copy(Object v, int depth) {
        if (depth > TemplateSandbox.MAX_VALUE_DEPTH) {
            throw new IllegalArgumentException(
                    "template data nested more than " + TemplateSandbox.MAX_VALUE_DEPTH + " deep");
        }
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return Double.parseDouble(f.toString());
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> en : m.entrySet()) {
                if (!(en.getKey() instanceof String k)) {
                    throw new IllegalArgumentException("template data: dict keys must be strings, got " + en.getKey());
                }
                out.put(k, copy(en.getValue(), depth + 1));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) {
                out.add(copy(x, depth + 1));
            }
            return out;
        }
        throw new IllegalArgumentException("template data must be JSON-like (Map, List, String, number, Boolean,"
                + " null), got " + v.getClass().getName());
    }
}
