package io.outport.export.worker;

import io.outport.dataset.Column;
import io.outport.dataset.Dataset;
import io.outport.dataset.Datasets;
import io.outport.export.ExportFile;
import io.outport.export.ExportSpec;
import io.outport.export.pipeline.PartUploader;
import io.outport.export.pipeline.PartWriter;
import io.outport.export.pipeline.RecordEncoder;
import io.outport.export.pipeline.RowSource;
import io.outport.export.queue.Claimed;
import io.outport.export.queue.ExportQueue;
import io.outport.export.queue.StrayObject;
import io.outport.destination.DestinationStore;
import io.outport.export.storage.PartStore;
import io.outport.export.storage.PartStores;
import io.outport.platform.Failures;
import io.outport.tenant.ExternalIds;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * Runs one attempt of a claimed export: clean up what earlier attempts left unfinished, keep the parts they
 * finished and continue after the last one's last row, read page by page, encode and compress off the
 * event loop, upload the pieces, record each part as it finishes, then complete (fenced). Any failure,
 * cancellation, lost lease or shutdown discards this attempt's unfinished part before the export's state
 * changes; finished parts stay.
 */
@ApplicationScoped
public class ExportRunner {

    private static final Logger LOG = Logger.getLogger(ExportRunner.class);

    private final ExternalIds externalIds;
    private final ExportQueue queue;
    private final PartStores stores;
    private final Datasets datasets;
    private final ExportMetrics metrics;
    private final Executor workers;

    public ExportRunner(ExternalIds externalIds, ExportQueue queue, PartStores stores, Datasets datasets,
                        ExportMetrics metrics) {
        this.externalIds = externalIds;
        this.queue = queue;
        this.stores = stores;
        this.datasets = datasets;
        this.metrics = metrics;
        this.workers = io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool();
    }

    /** The attempt's outcome, for logs and metrics. */
    public enum Outcome { completed, failed, retried, canceled, released, lease_lost }

    /** Runs the attempt to its end; the returned Uni never fails. */
    public Uni<Outcome> run(Claimed claimed, RunControl control) {
        ExportSpec spec = claimed.export().spec();
        Dataset dataset = datasets.find(spec.dataset()).orElse(null);
        if (dataset == null) {
            return end(claimed, queue.fail(claimed, false, "unknown_dataset",
                    "The dataset '" + spec.dataset() + "' is not configured on this deployment any more"), Outcome.failed);
        }
        // Outport's own bucket, or the tenant's destination the export names: the pipeline is the same.
        return stores.of(spec.destination())
                .chain(storage -> run(claimed, control, dataset, storage))
                .onFailure().recoverWithUni(e -> settle(claimed, control, e, null));
    }

    private Uni<Outcome> run(Claimed claimed, RunControl control, Dataset dataset, PartStore storage) {
        ExportSpec spec = claimed.export().spec();
        List<Column> columns = spec.fields().stream().map(f -> dataset.column(f).orElseThrow()).toList();
        // Rows carry their (time, id) key after the columns: parts record where they end.
        PartWriter writer = new PartWriter(RecordEncoder.of(spec.format(), columns), "gzip".equals(spec.compression()),
                spec.maxFileBytes(), PartWriter.PIECE_BYTES, workers, columns.size());
        PartUploader uploader = new PartUploader(storage, queue, claimed, spec.extension());
        control.progress(writer::rowsWritten, writer::bytesStored);

        Uni<Boolean> attempt = cleanUp(claimed, storage)
                .chain(() -> queue.keptParts(claimed.export().id()))
                .chain(kept -> externalIds.of(claimed.export().tenantId()).chain(tenantKey -> {
                    // Parts finished by earlier attempts are kept: continue after the last one's last row.
                    long keptRows = kept.stream().mapToLong(ExportFile::rows).sum();
                    long keptBytes = kept.stream().mapToLong(ExportFile::sizeBytes).sum();
                    writer.resumeAfter(kept.size(), keptRows, keptBytes);
                    uploader.resumeAfter(keptRows, keptBytes);
                    ExportFile last = kept.isEmpty() ? null : kept.get(kept.size() - 1);
                    RowSource.Resume resume = new RowSource.Resume(last == null ? null : last.lastTime(),
                            last == null ? null : last.lastId(), claimed.export().mark(),
                            last != null && last.lastTime() == null);
                    if (last != null) {
                        ExportWorker.logAbout(claimed.export().id(), () -> LOG.infof(
                                "export %s attempt %d: resuming after part %d (%d rows kept)", claimed.export().id(),
                                claimed.attempt(), last.part(), keptRows));
                    }
                    return RowSource.open(datasets.pool(dataset), dataset, columns, claimed.export().tenantId(),
                            tenantKey, spec, resume, RowSource.Count.BESIDE)
                            // The count is recorded before the first row is read (or, for a large export, as soon
                            // as the count beside it ends: the export does not wait for it). The mark is recorded
                            // before any part can finish: every later attempt reads the same rows.
                            .call(source -> {
                                Long total = source.rows() == null ? null : keptRows + source.rows();
                                if (total != null) {
                                    control.estimated(total);
                                } else {
                                    source.countBeside().subscribe().with(n -> {
                                        if (n != null) {
                                            control.counted(keptRows + n);
                                        }
                                    });
                                }
                                return queue.heartbeat(claimed, keptRows, keptBytes, total, source.mark()).invoke(beat -> {
                                    if (beat.isEmpty()) {
                                        throw new PartUploader.LeaseLost();
                                    }
                                }).onFailure().call(source::close);
                            });
                }))
                .chain(source -> source.pages()
                        // Off the event loop: encode a page into blocks whose compression starts at once on
                        // the worker pool. The buffer lets encoding run a few pages ahead of the in-order
                        // join, so blocks compress on every core; it also bounds memory, and the cursor is
                        // still read on demand.
                        .emitOn(workers, 4)
                        .map(page -> {
                            control.check();
                            return writer.encode(page);
                        })
                        .emitOn(workers, 4)
                        .onItem().transformToUniAndConcatenate(blocks -> writer.write(blocks).map(v -> writer.take()))
                        // Uploads run behind the join, which goes on filling the next piece meanwhile; at
                        // most two finished pieces wait (16 MiB), then the join waits for the upload.
                        .select().where(pieces -> !pieces.isEmpty())
                        .emitOn(workers, 2)
                        .onItem().transformToUniAndConcatenate(uploader::upload)
                        .collect().last()
                        .eventually(source::close))
                .emitOn(workers)
                .chain(() -> {
                    control.check();
                    return writer.finish().chain(() -> uploader.upload(writer.take()));
                })
                .chain(() -> queue.complete(claimed));

        return attempt.chain(completed -> {
            if (completed) {
                metrics.written(uploader.files().stream().mapToLong(ExportFile::rows).sum(),
                        uploader.files().stream().mapToLong(ExportFile::sizeBytes).sum());
                return Uni.createFrom().item(Outcome.completed);
            }
            // Fenced out: another worker owns the export; what this attempt wrote is garbage.
            return uploader.discard().onFailure().recoverWithNull().replaceWith(Outcome.lease_lost);
        }).onFailure().recoverWithUni(e -> uploader.discard()
                .onFailure().invoke(d -> LOG.warnf("could not discard uploads of export %s yet: %s",
                        claimed.export().id(), Failures.describe(d)))
                .onFailure().recoverWithNull()
                .chain(() -> settle(claimed, control, e, storage)));
    }

    private Uni<Outcome> settle(Claimed claimed, RunControl control, Throwable e, PartStore storage) {
        RunControl.Stop stop = control.stopReason();
        if (e instanceof PartUploader.LeaseLost || stop == RunControl.Stop.LEASE_LOST) {
            return Uni.createFrom().item(Outcome.lease_lost);
        }
        if (stop == RunControl.Stop.CANCELED) {
            return end(claimed, queue.canceled(claimed), Outcome.canceled);
        }
        if (stop == RunControl.Stop.SHUTDOWN) {
            return end(claimed, queue.release(claimed), Outcome.released);
        }
        boolean transient_ = Failures.isUnavailable(e);
        String code;
        String message;
        if (claimed.export().spec().destination() != null && (storage == null || isStorage(e)
                || causedBy(e, DestinationStore.EndpointRefused.class) || causedBy(e, DestinationStore.Unusable.class))) {
            // The tenant's own bucket refused or could not be reached: said in the store's words, and retried (a
            // policy being fixed, a store coming back) until the attempts run out.
            code = "destination_unavailable";
            message = "Could not write the export files into the destination: "
                    + (storage instanceof DestinationStore d ? d.describe(e) : Failures.describe(e))
                    + ". The export is retried automatically.";
            transient_ = true;
        } else if (isStorage(e)) {
            code = "storage_unavailable";
            message = "Could not write the export files to object storage (S3): " + Failures.describe(e)
                    + ". Check that the bucket is reachable; the export is retried automatically.";
            transient_ = true;
        } else if (Failures.isRefusedQuery(e)) {
            // Retrying cannot change the answer: a value the column cannot hold (an external_id that is not a
            // number for a bigint tenant column), a table dropped, a grant revoked. Fails at once.
            code = "source_query_refused";
            message = "The database refused the export's query: " + Failures.describe(e)
                    + ". Check the dataset's declaration, its grants and the tenant's external_id.";
        } else if (transient_) {
            code = "database_unavailable";
            message = "The database was unreachable while reading the rows: " + Failures.describe(e)
                    + ". The export is retried automatically.";
        } else {
            code = "export_error";
            message = "The export could not be written: " + Failures.describe(e);
            LOG.errorf(e, "export %s attempt %d failed", claimed.export().id(), claimed.attempt());
        }
        boolean retry = transient_ || !(e instanceof IllegalArgumentException || Failures.isRefusedQuery(e));
        int attemptsLeft = claimed.export().maxAttempts() - claimed.attempt();
        if (retry && attemptsLeft <= 0) {
            message = message.replace(" The export is retried automatically.", "")
                    .replace("; the export is retried automatically.", ".")
                    + " Gave up after " + claimed.attempt() + " attempt(s); create the export again.";
        }
        Outcome outcome = retry && attemptsLeft > 0 ? Outcome.retried : Outcome.failed;
        String logged = message;
        ExportWorker.logAbout(claimed.export().id(), () -> LOG.warnf("export %s attempt %d: %s (%s)",
                claimed.export().id(), claimed.attempt(), logged, outcome));
        return end(claimed, queue.fail(claimed, retry, code, message), outcome);
    }

    private static boolean isStorage(Throwable e) {
        return causedBy(e, software.amazon.awssdk.core.exception.SdkException.class);
    }

    /** {@code e} or one of its causes is a {@code type}. */
    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static Uni<Outcome> end(Claimed claimed, Uni<Boolean> write, Outcome outcome) {
        return write.map(ok -> ok ? outcome : Outcome.lease_lost)
                .onFailure().recoverWithItem(err -> {
                    // The database is gone too: the lease will expire and the rescuer will take over.
                    LOG.warnf("export %s: could not record outcome %s: %s", claimed.export().id(), outcome,
                            Failures.describe(err));
                    return Outcome.lease_lost;
                });
    }

    /** Aborts and removes what earlier attempts of this export left behind (a crashed worker's uploads). */
    private Uni<Void> cleanUp(Claimed claimed, PartStore storage) {
        return queue.strayObjects(claimed.export().id(), claimed.attempt())
                .chain(stray -> discard(claimed.export().id(), stray, storage))
                .chain(() -> storage.abortEarlierUploads(claimed.export()));
    }

    /** Aborts open uploads and removes the objects (in the store they were written to), then forgets them. */
    public Uni<Void> discard(java.util.UUID exportId, List<StrayObject> stray) {
        if (stray.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return stores.of(stray.get(0).destinationId()).chain(storage -> discard(exportId, stray, storage));
    }

    private Uni<Void> discard(java.util.UUID exportId, List<StrayObject> stray, PartStore storage) {
        if (stray.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(stray)
                .onItem().transformToUniAndConcatenate(o -> o.uploadId() == null ? Uni.createFrom().voidItem()
                        : storage.abortMultipart(o.objectKey(), o.uploadId()))
                .collect().last()
                .chain(() -> storage.removeUnrecorded(stray.stream().map(StrayObject::objectKey).toList()))
                .chain(() -> queue.forgetObjects(exportId, stray.stream().map(StrayObject::objectKey).toList()));
    }
}
