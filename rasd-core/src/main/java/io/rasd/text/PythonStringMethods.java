package io.rasd.text;

import io.rasd.RasdException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The sandbox's gate for method calls and attribute reads, first in Jinjava's resolver chain. HF chat templates are
 * Jinja written for Python, so they call Python's str methods ({@code content.startswith('<tool')},
 * {@code .rstrip('\n')}); those are answered here with Python semantics. Everything else is allowed by name: the
 * list/dict methods below, and the calls Jinjava itself compiles filters, tests and {@code loop.cycle} into. Attribute
 * reads are answered by Jinjava only for template data (dict keys, list items, loop variables); an attribute of a
 * string, number or bool is undefined as in Python, and one of any other object is refused. So a template from a
 * downloaded model cannot reach Java objects: before, {@code content.bytes} ran String.getBytes() (every getter of
 * every reachable object was callable as an attribute) and {@code loop.next()} advanced a loop by hand.
 */
final class PythonStringMethods extends ELResolver {

    /** Methods of Jinjava's list/dict wrappers that templates legitimately call. */
    private static final Set<String> DATA_METHODS = Set.of(
            "items", "keys", "values", "get", "append", "pop", "index", "count", "update", "copy", "insert", "extend",
            "reverse", "sort");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) {
            return null;
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        if (base instanceof String s) {
            Object r = python(s, name, args);
            context.setPropertyResolved(true);
            return r;
        }
        if (TemplateSandbox.isEngineCall(base, name)
                || (base instanceof List || base instanceof Map) && DATA_METHODS.contains(name)) {
            return null; // Jinjava's resolvers run it
        }
        throw new RasdException("chat template called method \"" + name + "\" on "
                + base.getClass().getSimpleName() + ", which the sandbox does not allow");
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base == null || isData(base) || TemplateSandbox.isEngineCall(base, String.valueOf(property))) {
            return null; // a variable, a key, an index, loop.index, a filter call: Jinjava's resolvers answer
        }
        if (base instanceof String || base instanceof Number || base instanceof Boolean) {
            context.setPropertyResolved(true); // Python: no such attribute, so undefined (never a Java getter)
            return null;
        }
        throw new RasdException("chat template read attribute \"" + property + "\" of "
                + base.getClass().getSimpleName() + ", which the sandbox does not allow");
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        if (base != null && !(base instanceof Map || base instanceof List)) {
            throw new RasdException("chat template set attribute \"" + property + "\" of "
                    + base.getClass().getSimpleName() + ", which the sandbox does not allow");
        }
    }

    /** What templates read attributes of: dicts (namespace included), lists, loop, groupby's groups, dict items. */
    private static boolean isData(Object base) {
        return base instanceof Map
                || base instanceof List
                || base.getClass().isArray()
                || base instanceof com.hubspot.jinjava.util.ForLoop
                || base instanceof com.hubspot.jinjava.lib.filter.GroupByFilter.Group
                || base instanceof Map.Entry;
    }

    private static Object python(String s, String name, Object[] a) {
        return switch (name) {
            case "startswith" -> anyOf(a, p -> s.startsWith(p));
            case "endswith" -> anyOf(a, p -> s.endsWith(p));
            case "strip" -> a.length == 0 || a[0] == null ? s.strip() : stripRight(stripLeft(s, str(a[0])), str(a[0]));
            case "lstrip" -> a.length == 0 || a[0] == null ? s.stripLeading() : stripLeft(s, str(a[0]));
            case "rstrip" -> a.length == 0 || a[0] == null ? s.stripTrailing() : stripRight(s, str(a[0]));
            case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
            case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" ->
                s.isEmpty()
                        ? s
                        : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                                + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "replace" -> replace(s, str(a[0]), str(a[1]));
            case "split" ->
                split(s, a.length == 0 ? null : (String) a[0], a.length > 1 ? ((Number) a[1]).intValue() : -1);
            case "join" -> join(s, a[0]);
            case "find" -> (long) s.indexOf(str(a[0]));
            case "count" -> count(s, str(a[0]));
            case "isspace" -> !s.isEmpty() && s.isBlank();
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "format" -> s;
            default ->
                throw new RasdException("chat template called str." + name + "(), which rasd does not" + " support");
        };
    }

    private static boolean anyOf(Object[] a, java.util.function.Predicate<String> test) {
        if (a.length > 0 && a[0] instanceof List<?> l) { // Python accepts a tuple of prefixes
            return l.stream().anyMatch(x -> test.test(str(x)));
        }
        return a.length > 0 && test.test(str(a[0]));
    }

    private static String str(Object o) {
        return o == null ? "None" : o.toString();
    }

    private static String stripLeft(String s, String chars) {
        int i = 0;
        while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        return s.substring(i);
    }

    private static String stripRight(String s, String chars) {
        int i = s.length();
        while (i > 0 && chars.indexOf(s.charAt(i - 1)) >= 0) {
            i--;
        }
        return s.substring(0, i);
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean start = true;
        for (char c : s.toCharArray()) {
            sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = !Character.isLetter(c);
        }
        return sb.toString();
    }

    /** Python's str.split: no separator splits on runs of whitespace and drops empty ends. */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            String[] parts = s.strip().split("\\s+", maxSplit < 0 ? 0 : maxSplit + 1);
            for (String p : parts) {
                if (!p.isEmpty()) {
                    out.add(p);
                }
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new RasdException("chat template: str.split() got an empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** Refused before allocating past the output cap: {@code s.replace('a', s)} twice ran out of memory. */
    private static String replace(String s, String old, String replacement) {
        TemplateSandbox.checkReplace(s, old, replacement, ChatTemplate.MAX_OUTPUT_CHARS);
        return s.replace(old, replacement);
    }

    /** Stops at the output cap as it goes: a long separator times many items ran out of memory. */
    private static String join(String sep, Object items) {
        StringBuilder sb = new StringBuilder();
        if (items instanceof Iterable<?> it) {
            boolean first = true;
            for (Object o : it) {
                sb.append(first ? "" : sep).append(str(o));
                first = false;
                if (sb.length() > ChatTemplate.MAX_OUTPUT_CHARS) {
                    throw new RasdException("chat template: str.join made a string of more than "
                            + ChatTemplate.MAX_OUTPUT_CHARS + " characters");
                }
            }
        }
        return sb.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    // What is not refused above falls through to Jinjava's own resolvers.
    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public java.util.Iterator<java.beans.FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
