package io.rasd.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaNodePreProcessor;
import com.hubspot.jinjava.el.JinjavaObjectUnwrapper;
import com.hubspot.jinjava.el.ObjectUnwrapper;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceLocator;
import com.hubspot.jinjava.tree.Node;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * The Jinjava engine chat templates render in. Templates come from downloaded model directories, so what a template
 * may use is allowed by name and what it can make grow is capped (each gap below was found by
 * {@code ChatTemplateFuzzTest} or the hostile templates of {@code ChatTemplateTest}):
 * <ul>
 *   <li>filters, functions and tags: those HF chat templates use. Jinjava's others are disabled, so an upgrade adds
 *       nothing: {@code center(2000000000)} ran the JVM out of memory (batch pads to a size argument alike),
 *       {@code toyaml} and {@code pprint} serialise whatever they are given, {@code render} re-enters the engine,
 *       date functions read the clock and time zone files, {@code include/import/from/extends} load templates.</li>
 *   <li>method calls and attribute reads: {@link PythonStringMethods}.</li>
 *   <li>values (lists, dicts, namespaces): at most {@value #MAX_VALUE_ELEMENTS} elements counted as if shared parts
 *       were copies, {@value #MAX_VALUE_DEPTH} levels deep, no cycles. {@code {% set ns.s = [ns.s, ns.s] %}} forty
 *       times builds 2^40 elements out of 80 objects; comparing, hashing or printing it never ended, not even after
 *       the render timed out (Java's equals and hashCode do not look at interrupts).</li>
 *   <li>numbers that size a filter's output (indent width, widths in a format string): at most
 *       {@value #MAX_FILTER_NUMBER} ({@code '%2000000000d'|format} ran the JVM out of memory); format and replace
 *       are refused when their result would exceed the output cap.</li>
 *   <li>memory: a render may allocate 256 MiB in all ({@link #MAX_RENDER_ALLOCATION}), counted by the JVM per
 *       thread; time: the render stops at its next node or value once {@link ChatTemplate} interrupts it.</li>
 * </ul>
 */
final class TemplateSandbox {

    static final int MAX_VALUE_ELEMENTS = 100_000;
    /** Bytes one render may allocate in all: a legit render of a 1 MiB prompt takes tens of MiB. */
    static final long MAX_RENDER_ALLOCATION = 256L << 20;

    static final int MAX_VALUE_DEPTH = 64;
    static final int MAX_FILTER_NUMBER = 10_000;

    /** Jinja filters HF chat templates use (transformers' templates and the hub's popular ones). */
    static final Set<String> FILTERS = Set.of(
            "abs",
            "attr",
            "bool",
            "capitalize",
            "count",
            "d",
            "default",
            "dictsort",
            "e",
            "escape",
            "first",
            "float",
            "forceescape",
            "format",
            "groupby",
            "indent",
            "items",
            "int",
            "join",
            "last",
            "length",
            "list",
            "lower",
            "map",
            "reject",
            "rejectattr",
            "replace",
            "reverse",
            "round",
            "safe",
            "select",
            "selectattr",
            "sort",
            "split",
            "string",
            "sum",
            "title",
            "tojson",
            "trim",
            "truncate",
            "unique",
            "upper",
            "wordcount");
    /** Global functions: Jinja's range and namespace, and HF's own two. */
    static final Set<String> FUNCTIONS = Set.of("range", "namespace", "raise_exception", "strftime_now");

    static final Set<String> TAGS = Set.of(
            "if",
            "elif",
            "else",
            "endif",
            "for",
            "endfor",
            "set",
            "endset",
            "macro",
            "endmacro",
            "call",
            "endcall",
            "raw",
            "endraw",
            "do",
            "enddo",
            "break",
            "continue",
            "print",
            "autoescape",
            "endautoescape",
            "unless",
            "endunless");

    /** A java.util.Formatter specifier's width and precision. */
    private static final Pattern FORMAT_SPEC = Pattern.compile("%(?:\\d+\\$)?[-#+ 0,(<]*(\\d+)?(?:\\.(\\d+))?");

    private static final Map<Context.Library, Set<String>> DISABLED = disabled();

    /**
     * Jinjava's switches towards Python Jinja's semantics, each needed by a real template (ChatTemplateGoldenTest):
     * {@code {{- x -}}} trims like {@code {%- -%}} (every Llama 3.x and Qwen template writes {@code {{- ... }}}),
     * filters bind tighter than arithmetic ({@code messages|length - 1} in Qwen3 was {@code messages|(length - 1)}),
     * iterating a dict yields its keys, dict literal keys are expressions, and None items of a list stay None.
     */
    private static final LegacyOverrides PYTHON_JINJA = LegacyOverrides.newBuilder()
            .withUseTrimmingForNotesAndExpressions(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withIterateOverMapKeys(true)
            .withEvaluateMapKeys(true)
            .withKeepNullableLoopValues(true)
            .build();

    private static final JinjavaNodePreProcessor JINJAVA_BEFORE_NODE = new JinjavaNodePreProcessor();
    private static final com.sun.management.ThreadMXBean THREADS = allocationCounter();
    private static final ThreadLocal<long[]> ALLOCATED_AT_START = new ThreadLocal<>();

    private TemplateSandbox() {}

    static Jinjava create(long maxOutputChars) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxOutputSize(maxOutputChars)
                .withMaxStringLength(maxOutputChars)
                .withMaxListSize(MAX_VALUE_ELEMENTS)
                .withMaxMapSize(MAX_VALUE_ELEMENTS)
                .withMaxRenderDepth(10)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(20)
                .withNestedInterpretationEnabled(false)
                .withRangeLimit(10_000)
                .withElResolver(resolver)
                .withObjectUnwrapper(new ValueLimits())
                .withNodePreProcessor(TemplateSandbox::beforeNode)
                .withDisabled(DISABLED)
                .withLegacyOverrides(PYTHON_JINJA)
                .build();
        Jinjava j = new Jinjava(config);
        j.setResourceLocator(new ResourceLocator() {
            @Override
            public String getString(String fullName, Charset encoding, JinjavaInterpreter interpreter)
                    throws IOException {
                throw new IOException(
                        "chat templates may not load \"" + fullName + "\" (include/import are" + " disabled)");
            }
        });
        Context global = j.getGlobalContext();
        global.registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", Object.class));
        global.registerFunction(
                new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
        global.registerFilter(new ChatTemplate.HfToJson());
        global.registerFilter(new PythonTests.Items());
        PythonTests.tests().forEach(global::registerExpTest);
        global.registerFilter(new Bounded(global.getFilter("indent"), TemplateSandbox::checkNumbers));
        global.registerFilter(new Bounded(global.getFilter("format"), (var, args) -> {
            // widths and precisions ("%2000000000d") count towards the result, and so do the arguments:
            // '%s%s'|format(s, s) thirty times ran out of memory
            String format = String.valueOf(var);
            long length = format.length();
            Matcher m = FORMAT_SPEC.matcher(format);
            while (m.find()) {
                for (String n : new String[] {m.group(1), m.group(2)}) {
                    if (n != null) {
                        checkNumber(n);
                        length += Long.parseLong(n);
                    }
                }
            }
            for (Object a : args) {
                length += String.valueOf(a).length();
            }
            if (length > maxOutputChars) {
                throw new RasdException("chat template: format would make a string of up to " + length
                        + " characters; the limit is " + maxOutputChars);
            }
        }));
        global.registerFilter(new Bounded(global.getFilter("replace"), (var, args) -> {
            if (args.length >= 2) {
                checkReplace(String.valueOf(var), String.valueOf(args[0]), String.valueOf(args[1]), maxOutputChars);
            }
        }));
        return j;
    }

    /**
     * Stops a render: its time is up (the thread was interrupted) or it allocated too much. Jinjava's own interrupt
     * check throws a template error, which its tags record and render on from: a loop of 10,000 interrupted
     * iterations took seconds more to unwind. An Error passes through those handlers.
     */
    static final class RenderStopped extends Error {
        RenderStopped(String message) {
            super(message, null, false, false);
        }
    }

    /** Call on the render thread as a render starts: the allocation budget counts from here. */
    static void startRender() {
        if (THREADS != null) {
            ALLOCATED_AT_START.set(new long[] {THREADS.getCurrentThreadAllocatedBytes()});
        }
    }

    private static void beforeNode(Node node, JinjavaInterpreter interpreter) {
        checkLimits();
        JINJAVA_BEFORE_NODE.accept(node, interpreter);
    }

    /**
     * Between nodes and on every value read: stop when the render was cancelled or allocated more than
     * {@link #MAX_RENDER_ALLOCATION}. The caps on values and strings bound each step, not their number: a loop that
     * appends a new 1 MiB string to one of a thousand lists per step held gigabytes before the time was up.
     */
    static void checkLimits() {
        if (Thread.currentThread().isInterrupted()) {
            throw new RenderStopped("chat template render cancelled");
        }
        long[] start = THREADS == null ? null : ALLOCATED_AT_START.get();
        if (start != null && THREADS.getCurrentThreadAllocatedBytes() - start[0] > MAX_RENDER_ALLOCATION) {
            throw new RenderStopped(
                    "chat template allocated more than " + (MAX_RENDER_ALLOCATION >> 20) + " MiB while rendering");
        }
    }

    /** HotSpot counts each thread's allocated bytes; elsewhere the allocation budget is not enforced. */
    private static com.sun.management.ThreadMXBean allocationCounter() {
        try {
            if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported()
                    && t.isThreadAllocatedMemoryEnabled()) {
                return t;
            }
        } catch (LinkageError | RuntimeException e) {
            // no java.management module: run without the budget
        }
        return null;
    }

    /** Everything Jinjava registers by default that is not on the allowlists above. */
    private static Map<Context.Library, Set<String>> disabled() {
        Context defaults = new Jinjava().getGlobalContext();
        Set<String> filters = new HashSet<>();
        defaults.getAllFilters().forEach(f -> filters.add(f.getName()));
        filters.removeAll(FILTERS);
        Set<String> functions = new HashSet<>();
        for (ELFunctionDefinition f : defaults.getAllFunctions()) {
            String name = f.getName(); // with its namespace: ":range", "fn:list"
            if (!name.startsWith(":") || !FUNCTIONS.contains(name.substring(1))) {
                functions.add(name);
            }
        }
        Set<String> tags = new HashSet<>();
        defaults.getAllTags().forEach(t -> tags.add(t.getName()));
        tags.removeAll(TAGS);
        return Map.of(Context.Library.FILTER, filters, Context.Library.FUNCTION, functions, Context.Library.TAG, tags);
    }

    /** Python's str.replace, refused before it allocates a result over {@code max} characters. */
    static void checkReplace(String s, String old, String replacement, long max) {
        long grow = (long) replacement.length() - old.length();
        if (grow <= 0) {
            return;
        }
        long n = 0;
        if (old.isEmpty()) {
            n = s.length() + 1L;
        } else {
            for (int at = s.indexOf(old); at >= 0; at = s.indexOf(old, at + old.length())) {
                n++;
            }
        }
        if (s.length() + n * grow > max) {
            throw new RasdException("chat template: replace would make a string of " + (s.length() + n * grow)
                    + " characters; the limit is " + max);
        }
    }

    private static void checkNumbers(Object var, Object[] args) {
        for (Object a : args) {
            if (a instanceof Number || a instanceof CharSequence) {
                checkNumber(String.valueOf(a));
            }
        }
    }

    private static void checkNumber(String s) {
        String digits = s.strip();
        if (digits.matches("-?\\d+")
                && (digits.replace("-", "").length() > 9 || Math.abs(Long.parseLong(digits)) > MAX_FILTER_NUMBER)) {
            throw new RasdException("chat template: " + digits + " is too large a width or count for a filter"
                    + " (at most " + MAX_FILTER_NUMBER + ")");
        }
    }

    /** A Jinjava filter behind a check of its input and arguments. */
    private static final class Bounded implements Filter {
        interface Check {
            void check(Object var, Object[] args);
        }

        private final Filter inner;
        private final Check check;

        Bounded(Filter inner, Check check) {
            this.inner = inner;
            this.check = check;
        }

        @Override
        public String getName() {
            return inner.getName();
        }

        @Override
        public boolean preserveSafeString() {
            return inner.preserveSafeString();
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            check.check(var, args);
            return inner.filter(var, interpreter, args);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            check.check(var, args == null ? new Object[0] : args);
            check.check(var, kwargs == null ? new Object[0] : kwargs.values().toArray());
            return inner.filter(var, interpreter, args, kwargs);
        }
    }

    /**
     * Checks every value Jinjava hands a template (a variable read, an attribute, an expression's result) against the
     * size, depth and cycle limits, counting a list shared twice as two lists: that is what equals, hashCode and
     * printing walk. Memoised by identity, so the check costs the number of distinct objects.
     */
    static final class ValueLimits implements ObjectUnwrapper {
        private final ObjectUnwrapper jinjava = new JinjavaObjectUnwrapper();

        @Override
        public Object unwrapObject(Object o) {
            checkLimits(); // called for every value an expression reads: a check point inside long expressions
            Object v = jinjava.unwrapObject(o);
            if (isContainer(v)) {
                new Walk().elements(v, 0);
            }
            return v;
        }

        static void check(Object v) {
            if (isContainer(v)) {
                new Walk().elements(v, 0);
            }
        }

        private static boolean isContainer(Object v) {
            return v instanceof Collection || v instanceof Map || v instanceof Object[];
        }

        private static final class Walk {
            private final Map<Object, Long> sizes = new IdentityHashMap<>();
            private final Map<Object, Boolean> open = new IdentityHashMap<>();

            long elements(Object v, int depth) {
                if (!isContainer(v)) {
                    return 1;
                }
                Long known = sizes.get(v);
                if (known != null) {
                    return known;
                }
                if (open.containsKey(v)) {
                    throw new RasdException("chat template made a list or dict that contains itself");
                }
                if (depth > MAX_VALUE_DEPTH) {
                    throw new RasdException(
                            "chat template nested lists or dicts more than " + MAX_VALUE_DEPTH + " deep");
                }
                open.put(v, Boolean.TRUE);
                long n = 1;
                if (v instanceof Map<?, ?> m) {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        n += elements(e.getKey(), depth + 1) + elements(e.getValue(), depth + 1);
                        checkSize(n);
                    }
                } else {
                    for (Object x : v instanceof Object[] a ? java.util.Arrays.asList(a) : (Collection<?>) v) {
                        n += elements(x, depth + 1);
                        checkSize(n);
                    }
                }
                open.remove(v);
                sizes.put(v, n);
                return n;
            }

            private static void checkSize(long n) {
                if (n > MAX_VALUE_ELEMENTS) {
                    throw new RasdException("chat template made a value of more than " + MAX_VALUE_ELEMENTS
                            + " elements (counting shared parts once per use)");
                }
            }
        }
    }

    /** For {@link PythonStringMethods}: the Jinjava objects whose methods templates legitimately call. */
    static boolean isEngineCall(Object base, String method) {
        return base instanceof Filter && method.equals("filter") // x|f compiles to filter:f.filter(x, ...)
                || base instanceof com.hubspot.jinjava.lib.exptest.ExpTest
                        && (method.equals("evaluate") || method.equals("evaluateNegated")) // x is t
                || base instanceof com.hubspot.jinjava.util.ForLoop && method.equals("cycle"); // loop.cycle(a, b)
    }
}
