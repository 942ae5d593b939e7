package io.rasd.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Jinja tests and filters whose Python meaning differs from Jinjava's, in the form HF templates rely on. A Python
 * string is iterable and a sequence: Llama 3.x's template tojson's a tool result when {@code message.content is
 * iterable}, so a plain string result is printed quoted, and rasd must print it the same way.
 */
final class PythonTests {

    private PythonTests() {}

    static List<ExpTest> tests() {
        return List.of(new Named("iterable", PythonTests::iterable), new Named("sequence", PythonTests::sequence));
    }

    private static boolean iterable(Object v) {
        return v instanceof CharSequence || v instanceof Iterable || v instanceof Map || v instanceof Object[];
    }

    private static boolean sequence(Object v) {
        return v instanceof CharSequence || v instanceof Collection || v instanceof Map || v instanceof Object[];
    }

    private record Named(String getName, java.util.function.Predicate<Object> test) implements ExpTest {
        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return test.test(var);
        }
    }

    /** Jinja's {@code items} filter: a dict's (key, value) pairs, for {@code for k, v in d|items}. */
    static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            List<Map.Entry<Object, Object>> out = new ArrayList<>();
            if (var instanceof Map<?, ?> m) {
                m.forEach((k, v) -> out.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
            }
            return out;
        }
    }
}
