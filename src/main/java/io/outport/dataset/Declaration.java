package io.outport.dataset;

import io.outport.platform.OutportConfig.DatasetDeclaration;

import java.util.List;
import java.util.Optional;

/** A dataset declaration written in code rather than read from configuration: the built-in events. */
public record Declaration(String table, String tenantColumn, String timeColumn, String idColumn,
                          Optional<List<String>> columns, Optional<List<String>> filterable,
                          Optional<String> incrementalColumn) implements DatasetDeclaration {
}
