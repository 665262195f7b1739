package io.outport.dataset.api;

import io.outport.dataset.Column;
import io.outport.dataset.Dataset;
import io.outport.dataset.Datasets;
import io.outport.platform.ApiException;
import io.outport.platform.Problem;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** Discovery: the datasets a tenant can export, with their columns and types. */
@Path("/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "datasets", description = "What can be exported: the built-in events and the declared tables")
@SecurityRequirement(name = "apiKey")
public class DatasetResource {

    @Schema(name = "DatasetColumn")
    public record ColumnView(@Schema(example = "total") String name,
                             @Schema(description = "the PostgreSQL type as format_type prints it", example = "numeric(12,2)") String type) {
    }

    @Schema(name = "Dataset")
    public record DatasetView(@Schema(example = "orders") String name,
                              @Schema(description = "filters.from/to bound it; rows go out in (time_column, id_column) order") String time_column,
                              String id_column,
                              @Schema(description = "columns a filter may match on") List<String> filterable,
                              @Schema(description = "exportable columns in their default order") List<ColumnView> columns) {
    }

    @Schema(name = "DatasetList")
    public record DatasetList(List<DatasetView> data) {
    }

    private final Datasets datasets;

    public DatasetResource(Datasets datasets) {
        this.datasets = datasets;
    }

    @GET
    @Operation(summary = "List the datasets", operationId = "listDatasets")
    @APIResponse(responseCode = "200", description = "Every dataset", content = @Content(schema = @Schema(implementation = DatasetList.class)))
    @APIResponse(responseCode = "401", description = "unauthorized",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DatasetList list() {
        return new DatasetList(datasets.all().stream().map(DatasetResource::view).toList());
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "Get a dataset", operationId = "getDataset")
    @APIResponse(responseCode = "200", description = "The dataset", content = @Content(schema = @Schema(implementation = DatasetView.class)))
    @APIResponse(responseCode = "401", description = "unauthorized",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "not_found",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DatasetView get(@PathParam("name") String name) {
        return datasets.find(name).map(DatasetResource::view)
                .orElseThrow(() -> ApiException.notFound("No such dataset; the datasets are " + datasets.names()));
    }

    static DatasetView view(Dataset d) {
        return new DatasetView(d.name(), d.timeColumn(), d.idColumn(), List.copyOf(d.filterable()),
                d.columns().stream().map(c -> new ColumnView(c.name(), c.type())).toList());
    }
}
