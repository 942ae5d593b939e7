package io.rasd.engine;

import io.rasd.RasdException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The speculation knobs a user may set, each optional: {@code null} means "inherit" (from the defaults underneath, and
 * finally from the engine's {@link SpeculationConfig}). Every integration (LangChain4j parameters, Spring AI options,
 * the starter's {@code rasd.speculation.*} properties, the CLI's flags) maps its own surface to this record; the names,
 * ranges and defaults of the knobs live in {@link SpeculationConfig} alone.
 *
 * <p>{@link #merge} lays request values over defaults, {@link #applyTo} turns the result into a validated config. A
 * value out of range fails with an {@link InvalidKnobException} that names the knob (its component name here, e.g.
 * {@code treeBudget}), so each integration can report it in its own terms (a property key, a flag).
 *
 * @param treeBudget see {@link SpeculationConfig#treeBudget()}
 * @param draftDepth see {@link SpeculationConfig#draftDepth()}
 * @param draftTopK see {@link SpeculationConfig#draftTopK()}
 * @param draftBudget see {@link SpeculationConfig#draftBudget()}
 * @param pruneTopK see {@link SpeculationConfig#pruneTopK()}
 * @param pruneMinProb see {@link SpeculationConfig#pruneMinProb()}
 * @param retrievalBudget see {@link SpeculationConfig#retrievalBudget()}
 * @param adaptive see {@link SpeculationConfig#adaptive()}
 */
public record SpeculationOverrides(
        Integer treeBudget,
        Integer draftDepth,
        Integer draftTopK,
        Integer draftBudget,
        Integer pruneTopK,
        Double pruneMinProb,
        Integer retrievalBudget,
        Boolean adaptive) {

    /** Nothing set: {@link #applyTo} returns its base unchanged. */
    public static final SpeculationOverrides NONE =
            new SpeculationOverrides(null, null, null, null, null, null, null, null);

    /** One knob: its name (a component of this record), how to read it here and how to set it on a config. */
    private record Knob<T>(
            String name,
            Function<SpeculationOverrides, T> get,
            BiFunction<SpeculationConfig.Builder, T, SpeculationConfig.Builder> set) {}

    private static final List<Knob<?>> KNOBS = List.of(
            new Knob<>("treeBudget", SpeculationOverrides::treeBudget, SpeculationConfig.Builder::treeBudget),
            new Knob<>("draftDepth", SpeculationOverrides::draftDepth, SpeculationConfig.Builder::draftDepth),
            new Knob<>("draftTopK", SpeculationOverrides::draftTopK, SpeculationConfig.Builder::draftTopK),
            new Knob<>("draftBudget", SpeculationOverrides::draftBudget, SpeculationConfig.Builder::draftBudget),
            new Knob<>("pruneTopK", SpeculationOverrides::pruneTopK, SpeculationConfig.Builder::pruneTopK),
            new Knob<>("pruneMinProb", SpeculationOverrides::pruneMinProb, SpeculationConfig.Builder::pruneMinProb),
            new Knob<>(
                    "retrievalBudget",
                    SpeculationOverrides::retrievalBudget,
                    SpeculationConfig.Builder::retrievalBudget),
            new Knob<>("adaptive", SpeculationOverrides::adaptive, SpeculationConfig.Builder::adaptive));

    /** The knobs' names, in the order of this record's components. */
    public static List<String> knobNames() {
        return KNOBS.stream().map(Knob::name).toList();
    }

    /**
     * A knob's name as property keys and command-line flags spell it: {@code draftTopK} is {@code draft-top-k}
     * ({@code rasd.speculation.draft-top-k}, {@code --draft-top-k}).
     */
    public static String kebabCase(String knob) {
        StringBuilder out = new StringBuilder(knob.length() + 4);
        for (char c : knob.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    public static Builder builder() {
        return new Builder(NONE);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** True when no knob is set. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /** These values with {@code over}'s set ones on top (request values over defaults); {@code null} adds nothing. */
    public SpeculationOverrides merge(SpeculationOverrides over) {
        if (over == null || over.isEmpty()) {
            return this;
        }
        return new SpeculationOverrides(
                or(over.treeBudget, treeBudget),
                or(over.draftDepth, draftDepth),
                or(over.draftTopK, draftTopK),
                or(over.draftBudget, draftBudget),
                or(over.pruneTopK, pruneTopK),
                or(over.pruneMinProb, pruneMinProb),
                or(over.retrievalBudget, retrievalBudget),
                or(over.adaptive, adaptive));
    }

    private static <T> T or(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }

    /**
     * {@code base} with the set knobs replaced. Validation is {@link SpeculationConfig}'s; a value it refuses throws
     * an {@link InvalidKnobException} naming the knob, the value and the range.
     */
    public SpeculationConfig applyTo(SpeculationConfig base) {
        Objects.requireNonNull(base, "base");
        if (isEmpty()) {
            return base;
        }
        SpeculationConfig.Builder b = base.toBuilder();
        for (Knob<?> knob : KNOBS) {
            b = set(b, knob);
        }
        return b.build();
    }

    /** Sets one knob and builds at once, so that a refused value is blamed on the knob that holds it. */
    private <T> SpeculationConfig.Builder set(SpeculationConfig.Builder b, Knob<T> knob) {
        T value = knob.get().apply(this);
        if (value == null) {
            return b;
        }
        SpeculationConfig.Builder next = knob.set().apply(b, value);
        try {
            next.build();
        } catch (RasdException e) {
            throw new InvalidKnobException(knob.name(), value, e);
        }
        return next;
    }

    /** The set knobs as {@code name=value}, e.g. {@code {treeBudget=8, adaptive=false}}. */
    @Override
    public String toString() {
        List<String> set = new ArrayList<>();
        for (Knob<?> knob : KNOBS) {
            Object value = knob.get().apply(this);
            if (value != null) {
                set.add(knob.name() + "=" + value);
            }
        }
        return "{" + String.join(", ", set) + "}";
    }

    /** A knob's value is out of range; {@link #knob()} is its name in {@link SpeculationOverrides}. */
    public static final class InvalidKnobException extends RasdException {

        private final String knob;
        private final transient Object value;

        InvalidKnobException(String knob, Object value, RasdException cause) {
            super(knob + "=" + value + ": " + cause.getMessage(), cause);
            this.knob = knob;
            this.value = value;
        }

        /** The knob's name: a component of {@link SpeculationOverrides}, e.g. {@code treeBudget}. */
        public String knob() {
            return knob;
        }

        /** The refused value. */
        public Object value() {
            return value;
        }

        /** What {@link SpeculationConfig} said about the value, without the knob's name in front. */
        public String reason() {
            return getCause().getMessage();
        }
    }

    /** Copy-and-change builder; every setter takes {@code null} for "unset". */
    public static final class Builder {
        private Integer treeBudget;
        private Integer draftDepth;
        private Integer draftTopK;
        private Integer draftBudget;
        private Integer pruneTopK;
        private Double pruneMinProb;
        private Integer retrievalBudget;
        private Boolean adaptive;

        private Builder(SpeculationOverrides o) {
            treeBudget = o.treeBudget;
            draftDepth = o.draftDepth;
            draftTopK = o.draftTopK;
            draftBudget = o.draftBudget;
            pruneTopK = o.pruneTopK;
            pruneMinProb = o.pruneMinProb;
            retrievalBudget = o.retrievalBudget;
            adaptive = o.adaptive;
        }

        public Builder treeBudget(Integer v) {
            treeBudget = v;
            return this;
        }

        public Builder draftDepth(Integer v) {
            draftDepth = v;
            return this;
        }

        public Builder draftTopK(Integer v) {
            draftTopK = v;
            return this;
        }

        public Builder draftBudget(Integer v) {
            draftBudget = v;
            return this;
        }

        public Builder pruneTopK(Integer v) {
            pruneTopK = v;
            return this;
        }

        public Builder pruneMinProb(Double v) {
            pruneMinProb = v;
            return this;
        }

        public Builder retrievalBudget(Integer v) {
            retrievalBudget = v;
            return this;
        }

        public Builder adaptive(Boolean v) {
            adaptive = v;
            return this;
        }

        public SpeculationOverrides build() {
            return new SpeculationOverrides(
                    treeBudget, draftDepth, draftTopK, draftBudget, pruneTopK, pruneMinProb, retrievalBudget, adaptive);
        }
    }
}
