package io.outport.dataset;

/**
 * A column as the source database's catalog describes it.
 *
 * @param type     as {@code format_type} prints it ({@code numeric(12,2)}, {@code text[]})
 * @param base     the type's name after resolving a domain ({@code int8}, {@code _text}, an enum's name)
 * @param typtype  {@code b} base, {@code e} enum, {@code c} composite, {@code r} range, …
 * @param category {@code typcategory}: {@code A} for arrays, {@code N} numeric, …
 * @param element  an array's element type name ({@code timestamptz}), else null
 */
public record CatalogColumn(String name, int attnum, String type, String base, char typtype, char category,
                            String element) {
}
