package io.rasd.text;

/** JSON string literals as rasd writes them. */
public final class JsonStrings {

    private JsonStrings() {}

    /**
     * {@code s} as a JSON string literal with only the escapes JSON requires ({@code "}, {@code \}, control
     * characters; the common ones short) and every other character as it is: Python's
     * {@code json.dumps(s, ensure_ascii=False)}, which HF chat templates' {@code tojson} prints, and the one spelling
     * constrained decoding lets a model write for a fixed key or value.
     */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
