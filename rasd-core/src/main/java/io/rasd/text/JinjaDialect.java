package io.rasd.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the Python-Jinja expressions of HF chat templates that Jinjava parses differently or not at all into
 * equivalent Jinjava, before parsing. Only the code inside {@code {{ }}} and {@code {% %}} is rewritten, and each
 * rewrite only adds parentheses or swaps a slice for a filter, so line numbers in errors stay those of the template.
 * Each rule was needed by a real template (ChatTemplateGoldenTest):
 * <ul>
 *   <li>{@code x[::-1]} → {@code (x|reverse|list)}: Jinjava has no step in slices (Qwen3);</li>
 *   <li>{@code not x is defined} → {@code not (x is defined)}: Jinjava binds {@code not} first, so Llama 3.x, Mistral
 *       and DeepSeek-R1 templates set {@code tools}, {@code add_generation_prompt} and {@code date_string} to their
 *       defaults even when the caller gave them;</li>
 *   <li>{@code x|length is divisibleby 2} → {@code (x|length) is divisibleby 2}: a filtered operand before
 *       {@code is} did not parse;</li>
 *   <li>{@code namespace(i=messages|length - 1)} → {@code namespace(i=(messages|length - 1))}: a keyword argument
 *       with a filter and arithmetic became a NamedParameter minus 1 (Qwen3).</li>
 * </ul>
 */
final class JinjaDialect {

    private static final String OPERAND = "[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[[^\\[\\]]*\\])*";
    private static final String FILTERED =
            "(?:" + OPERAND + "|\\([^()]*\\))(?:\\s*\\|\\s*[A-Za-z_][A-Za-z0-9_]*" + "(?:\\([^()]*\\))?)+";
    private static final Pattern CODE = Pattern.compile("\\{\\{.*?\\}\\}|\\{%.*?%\\}", Pattern.DOTALL);
    private static final Pattern REVERSE_SLICE = Pattern.compile("(" + OPERAND + ")\\[::-1\\]");
    private static final Pattern NOT_IS =
            Pattern.compile("\\bnot\\s+(" + OPERAND + ")\\s+is\\s+(not\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\b");
    private static final Pattern FILTERED_IS = Pattern.compile("(?<![\\w.|])(" + FILTERED + ")\\s+is\\s+");
    private static final Pattern NAMESPACE = Pattern.compile("\\bnamespace\\s*\\(");
    private static final Pattern KWARG = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=(?!=)(.*)", Pattern.DOTALL);

    private JinjaDialect() {}

    static String toJinjava(String template) {
        Matcher m = CODE.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 64);
        int last = 0;
        while (m.find()) {
            out.append(template, last, m.start()).append(rewrite(m.group()));
            last = m.end();
        }
        return out.append(template, last, template.length()).toString();
    }

    private static String rewrite(String code) {
        if (code.startsWith("{%") && code.matches("(?s)\\{%-?\\s*raw\\b.*")) {
            return code;
        }
        String s = REVERSE_SLICE
                .matcher(code)
                .replaceAll(r -> Matcher.quoteReplacement("(" + r.group(1) + "|reverse|list)"));
        s = NOT_IS.matcher(s)
                .replaceAll(r -> Matcher.quoteReplacement(
                        "not (" + r.group(1) + " is " + (r.group(2) == null ? "" : "not ") + r.group(3) + ")"));
        s = FILTERED_IS.matcher(s).replaceAll(r -> Matcher.quoteReplacement("(" + r.group(1) + ") is "));
        return namespaceArguments(s);
    }

    /** Wraps each keyword argument of {@code namespace(...)} in parentheses. */
    private static String namespaceArguments(String s) {
        Matcher m = NAMESPACE.matcher(s);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find(last)) {
            Arguments call = arguments(s, m.end());
            if (call == null) {
                break;
            }
            out.append(s, last, m.end());
            List<String> args = call.args();
            for (int i = 0; i < args.size(); i++) {
                Matcher kw = KWARG.matcher(args.get(i));
                String arg = kw.matches() && !kw.group(2).isBlank()
                        ? " " + kw.group(1) + "=(" + kw.group(2).strip() + ")"
                        : args.get(i);
                out.append(i == 0 ? arg.stripLeading() : arg).append(i + 1 < args.size() ? "," : "");
            }
            last = call.close();
        }
        return out.append(s.substring(last)).toString();
    }

    /** A call's arguments split at top-level commas, and the index of its closing parenthesis. */
    private record Arguments(List<String> args, int close) {}

    /** The arguments of the call whose opening parenthesis is just before {@code from}; null if it never closes. */
    private static Arguments arguments(String s, int from) {
        List<String> args = new ArrayList<>();
        int depth = 1;
        char quote = 0;
        int start = from;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (--depth == 0) {
                    if (c != ')') {
                        return null;
                    }
                    args.add(s.substring(start, i));
                    return new Arguments(args, i);
                }
            } else if (c == ',' && depth == 1) {
                args.add(s.substring(start, i));
                start = i + 1;
            }
        }
        return null;
    }
}
