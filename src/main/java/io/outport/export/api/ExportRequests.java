package io.outport.export.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.dataset.Column;
import io.outport.dataset.Dataset;
import io.outport.dataset.Datasets;
import io.outport.export.ExportSpec;
import io.outport.platform.JsonFields;
import io.outport.platform.Times;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Validates the body of POST /v1/exports into an {@link ExportSpec}, reporting every bad field at once. */
final class ExportRequests {

    private static final Set<String> FIELDS = Set.of("dataset", "format", "compression", "filters", "fields",
            "max_file_bytes", "since", "destination");
    private static final int MAX_FILTER_VALUES = 1000;
    private static final int MAX_FILTER_VALUE_LENGTH = 200;
    private static final Set<String> NON_FINITE = Set.of("NaN", "Infinity", "-Infinity");

    static final String NO_SUCH_DESTINATION = "is not the id of one of your destinations (GET /v1/destinations)";

    private ExportRequests() {
    }

    /**
     * The request as far as it could be read, and every problem found so far: the caller adds what only
     * the database can tell (filter values of the column's type) before throwing them all at once.
     * {@code dataset} is null when the request names none that exists.
     */
    record Parsed(ExportSpec spec, Dataset dataset, String since, JsonFields errors,
                  io.outport.destination.Destination destination) {

        Parsed(ExportSpec spec, Dataset dataset, String since, JsonFields errors) {
            this(spec, dataset, since, errors, null);
        }

        Parsed withSpec(ExportSpec s) {
            return new Parsed(s, dataset, since, errors, destination);
        }

        /** The destination the spec names, found among the caller's. */
        Parsed withDestination(io.outport.destination.Destination d) {
            return new Parsed(spec, dataset, since, errors, d);
        }
    }

    static Parsed parse(JsonNode json, Datasets datasets) {
        JsonFields check = new JsonFields();
        if (!check.object(json, "", FIELDS)) {
            check.throwIfInvalid();
        }
        Dataset dataset = null;
        String name = check.string(json, "dataset", "", 100, true);
        if (name != null) {
            dataset = datasets.find(name).orElse(null);
            if (dataset == null) {
                check.add("dataset", "must be one of " + datasets.names());
            }
        }
        String format = choice(check, json, "format", List.of("ndjson", "csv"), "ndjson");
        String compression = choice(check, json, "compression", List.of("gzip", "none"), "gzip");
        long maxFileBytes = maxFileBytes(check, json.get("max_file_bytes"));

        OffsetDateTime from = null;
        OffsetDateTime to = null;
        Map<String, Object> match = new LinkedHashMap<>();
        JsonNode filters = json.get("filters");
        if (filters != null && !filters.isNull()) {
            if (!filters.isObject()) {
                check.add("filters", "must be a JSON object");
            } else {
                from = time(check, filters.get("from"), "filters.from");
                to = time(check, filters.get("to"), "filters.to");
                if (from != null && to != null && !from.isBefore(to)) {
                    check.add("filters.from", "must be before filters.to");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = filters.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String key = e.getKey();
                    if (key.equals("from") || key.equals("to")) {
                        continue;
                    }
                    String field = "filters." + (key.length() > 50 ? key.substring(0, 50) : key);
                    if (dataset != null && !dataset.filterable().contains(key)) {
                        check.add(field, "is not a filterable column of " + dataset.name()
                                + "; use from, to or one of " + dataset.filterable());
                        continue;
                    }
                    Column column = dataset == null ? null : dataset.column(key).orElse(null);
                    Object value = filterValue(check, e.getValue(), field,
                            column == null ? Column.FilterType.STRING : column.filter());
                    if (value != null) {
                        match.put(key, value);
                    }
                }
            }
        }

        List<String> fields = dataset == null ? List.of() : dataset.columnNames();
        JsonNode requested = json.get("fields");
        if (requested != null && !requested.isNull()) {
            if (!requested.isArray() || requested.isEmpty()) {
                check.add("fields", "must be a non-empty array of column names");
            } else {
                Set<String> chosen = new LinkedHashSet<>();
                for (int i = 0; i < requested.size(); i++) {
                    String field = "fields[" + i + "]";
                    String column = check.text(requested.get(i), field, 100);
                    if (column == null) {
                        continue;
                    }
                    if (dataset != null && dataset.column(column).isEmpty()) {
                        check.add(field, "is not a column of " + dataset.name() + "; columns are " + dataset.columnNames());
                    } else if (!chosen.add(column)) {
                        check.add(field, "repeats " + column);
                    }
                }
                fields = new ArrayList<>(chosen);
            }
        }
        String since = check.string(json, "since", "", 200, false);
        if (since != null && dataset != null && !dataset.incremental()) {
            check.add("since", "the dataset " + dataset.name() + " has no incremental-column, so its exports have no"
                    + " watermark to continue from");
            since = null;
        }
        java.util.UUID destination = null;
        String destinationText = check.string(json, "destination", "", 100, false);
        if (destinationText != null) {
            destination = io.outport.platform.UuidV7.parse(destinationText).orElse(null);
            if (destination == null) {
                check.add("destination", NO_SUCH_DESTINATION);
            }
        }
        return new Parsed(new ExportSpec(dataset == null ? null : dataset.name(), format, compression, from, to, match,
                List.copyOf(fields), maxFileBytes, null, null, destination), dataset, since, check);
    }

    private static String choice(JsonFields check, JsonNode json, String name, List<String> allowed, String fallback) {
        JsonNode v = json.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual() || !allowed.contains(v.textValue())) {
            check.add(name, "must be one of " + allowed);
            return fallback;
        }
        return v.textValue();
    }

    private static long maxFileBytes(JsonFields check, JsonNode v) {
        if (v == null || v.isNull()) {
            return ExportSpec.DEFAULT_FILE_BYTES;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()
                || v.longValue() < ExportSpec.MIN_FILE_BYTES || v.longValue() > ExportSpec.MAX_FILE_BYTES) {
            check.add("max_file_bytes", "must be an integer from " + ExportSpec.MIN_FILE_BYTES + " (5 MiB) to "
                    + ExportSpec.MAX_FILE_BYTES + " (5 GiB)");
            return ExportSpec.DEFAULT_FILE_BYTES;
        }
        return v.longValue();
    }

    private static OffsetDateTime time(JsonFields check, JsonNode v, String field) {
        if (v == null || v.isNull()) {
            return null;
        }
        OffsetDateTime t = v.isTextual() ? Times.parse(v.textValue()) : null;
        if (t == null) {
            check.add(field, Times.EXPECTED);
        }
        return t;
    }

    /**
     * A value of the column's JSON type (a number, a boolean or a string), or a non-empty list of them
     * (matched with IN). Numbers keep the digits they were sent with.
     */
    private static Object filterValue(JsonFields check, JsonNode v, String field, Column.FilterType type) {
        String expected = switch (type) {
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> "a string";
        };
        if (!v.isArray()) {
            return scalar(check, v, field, type, expected);
        }
        if (v.isEmpty() || v.size() > MAX_FILTER_VALUES) {
            check.add(field, "must be " + expected + " or an array of 1 to " + MAX_FILTER_VALUES + " of them");
            return null;
        }
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            Object one = scalar(check, v.get(i), field + "[" + i + "]", type, expected);
            if (one == null) {
                return null;
            }
            values.add(one);
        }
        return List.copyOf(values);
    }

    private static Object scalar(JsonFields check, JsonNode v, String field, Column.FilterType type, String expected) {
        switch (type) {
            case NUMBER -> {
                if (v.isNumber()) {
                    return v.numberValue();
                }
                // JSON has no number for these; the files write them as these strings too.
                if (v.isTextual() && NON_FINITE.contains(v.textValue())) {
                    return v.textValue();
                }
            }
            case BOOLEAN -> {
                if (v.isBoolean()) {
                    return v.booleanValue();
                }
            }
            default -> {
                if (v.isTextual()) {
                    return check.text(v, field, MAX_FILTER_VALUE_LENGTH);
                }
            }
        }
        check.add(field, "must be " + expected + (v.isArray() ? "" : " or an array of them"));
        return null;
    }
}
