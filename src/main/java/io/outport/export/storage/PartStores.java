package io.outport.export.storage;

import io.outport.destination.Destination;
import io.outport.destination.DestinationClients;
import io.outport.destination.DestinationRepository;
import io.outport.destination.DestinationStore;
import io.outport.platform.OutportConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** Which {@link PartStore} an export writes to: Outport's own bucket, or the tenant's destination it names. */
@ApplicationScoped
public class PartStores {

    private final ExportStorage own;
    private final DestinationRepository destinations;
    private final DestinationClients clients;
    private final OutportConfig config;

    public PartStores(ExportStorage own, DestinationRepository destinations, DestinationClients clients, OutportConfig config) {
        this.own = own;
        this.destinations = destinations;
        this.clients = clients;
        this.config = config;
    }

    /** The store of an export writing to {@code destinationId} (null: Outport's own bucket). */
    public Uni<PartStore> of(UUID destinationId) {
        if (destinationId == null) {
            return Uni.createFrom().item(own);
        }
        return destinations.byId(destinationId).map(found -> store(found.orElseThrow(
                () -> new DestinationStore.Unusable("the destination " + destinationId + " does not exist"))));
    }

    /** The store of a destination, writing with its own cached client. */
    public DestinationStore store(Destination d) {
        return new DestinationStore(d, clients, config.webhooks().allowPrivate());
    }
}
