package io.rasd.constrain;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.rasd.text.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The one spelling rasd generates for a fixed JSON value (a key, an enum or const value): compact, strings with only
 * the escapes JSON requires ({@code "}, {@code \}, control characters) and other characters as UTF-8, numbers as the
 * schema wrote them. A constrained model must write these values exactly so.
 */
final class JsonText {

    private JsonText() {}

    static byte[] string(String s) {
        return quote(s).getBytes(StandardCharsets.UTF_8);
    }

    static String of(JsonElement e) {
        StringBuilder sb = new StringBuilder();
        write(e, sb);
        return sb.toString();
    }

    private static void write(JsonElement e, StringBuilder sb) {
        if (e.isJsonNull()) {
            sb.append("null");
        } else if (e.isJsonPrimitive()) {
            sb.append(
                    e.getAsJsonPrimitive().isString()
                            ? quote(e.getAsString())
                            : e.getAsJsonPrimitive().toString());
        } else if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            sb.append('[');
            for (int i = 0; i < a.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                write(a.get(i), sb);
            }
            sb.append(']');
        } else {
            JsonObject o = e.getAsJsonObject();
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonElement> m : o.entrySet()) {
                sb.append(first ? "" : ",").append(quote(m.getKey())).append(':');
                write(m.getValue(), sb);
                first = false;
            }
            sb.append('}');
        }
    }

    static String quote(String s) {
        return JsonStrings.quote(s);
    }
}
