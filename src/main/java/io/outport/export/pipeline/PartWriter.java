package io.outport.export.pipeline;

import io.smallrye.mutiny.Uni;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.zip.CRC32;

/**
 * Encodes rows, compresses them and cuts the stored bytes into upload pieces and part files, in two stages:
 * <ol>
 * <li>{@link #encode} turns rows into blocks of about {@link #BLOCK_BYTES} (ending at row boundaries) and
 * starts compressing each block at once on the {@code compressors} executor, so deflate, the costliest
 * step, runs on every core at the same time ({@link GzipBlocks});</li>
 * <li>{@link #write} joins the compressed blocks in order into part files, each one complete gzip member
 * (or plain text) with its own header row where the format has one. A new part starts at a row boundary
 * once the current part's stored size reaches {@code maxFileBytes}; the block that opens a part is
 * compressed again without a dictionary, as a gzip stream's first block must be.</li>
 * </ol>
 * Each stage is single-threaded (one call at a time) but the two may run on different threads. Memory is
 * bounded by the blocks in flight plus one piece being filled plus the pieces not yet taken by the uploader.
 * Never called on an event loop.
 */
public final class PartWriter {

    /** Size of an upload piece; S3 needs at least 5 MiB for every multipart piece but the last. */
    public static final int PIECE_BYTES = 8 * 1024 * 1024;
    /** Uncompressed bytes per compression block; parts are cut between blocks. */
    static final int BLOCK_BYTES = 256 * 1024;
    /** Pieces are held in chunks of this size: below G1's humongous threshold even with 1 MiB regions. */
    static final int CHUNK_BYTES = 256 * 1024;

    private final RecordEncoder encoder;
    private final boolean gzip;
    private final long maxFileBytes;
    private final int pieceBytes;
    private final Executor compressors;
    private final byte[] header;
    /** Where a row's (time, id) key starts in its values (after the encoded columns); -1: rows carry none. */
    private final int keyAt;

    // Stage 1: encoding.
    private final ByteSink block = new ByteSink();
    private int blockRows;
    private Object[] blockLast;
    /** The block handed on last; its tail primes the next block's compression. */
    private byte[] previous;

    // Stage 2: joining, in order.
    private final List<Piece> ready = new ArrayList<>();
    private final CRC32 crc = new CRC32();
    private boolean partOpen;
    private boolean partEmpty;
    private int part;
    private long partRows;
    private long partStored;
    private long partInput;
    private String partLastTime;
    private String partLastId;
    private MessageDigest digest;
    private final List<ByteBuffer> chunks = new ArrayList<>();
    private byte[] chunk;
    private int chunkSize;
    /** Bytes of {@link #chunk} this piece fills at most (less than its length only for pieces smaller than a chunk). */
    private int chunkLimit;
    private int pieceSize;
    private volatile long totalRows;
    private volatile long totalStored;

    public PartWriter(RecordEncoder encoder, boolean gzip, long maxFileBytes, int pieceBytes, Executor compressors) {
        this(encoder, gzip, maxFileBytes, pieceBytes, compressors, -1);
    }

    /** As above, for rows that carry their (time, id) key at {@code keyAt} and {@code keyAt + 1} (see {@link KeyText}). */
    public PartWriter(RecordEncoder encoder, boolean gzip, long maxFileBytes, int pieceBytes, Executor compressors,
                      int keyAt) {
        this.keyAt = keyAt;
        this.encoder = encoder;
        this.gzip = gzip;
        this.maxFileBytes = maxFileBytes;
        this.pieceBytes = pieceBytes;
        this.compressors = compressors;
        ByteSink h = new ByteSink();
        encoder.header(h);
        this.header = Arrays.copyOf(h.array(), h.size());
    }

    /**
     * Continues an export whose first {@code parts} parts (holding {@code rows} rows in {@code bytes} stored
     * bytes) were finished by earlier attempts: part numbers and totals go on from there. Before any row.
     */
    public void resumeAfter(int parts, long rows, long bytes) {
        this.part = parts;
        this.totalRows = rows;
        this.totalStored = bytes;
    }

    /**
     * Encoded rows, their compression under way; {@code primed} when compressed with the previous block as
     * dictionary; {@code lastTime}/{@code lastId} the key of its last row (null when rows carry no key).
     */
    public record Block(byte[] data, int rows, boolean primed, CompletableFuture<byte[]> stored, String lastTime,
                        String lastId) {
    }

    /** Stage 1: encodes a page of rows; returns the blocks it completed (often none or one). */
    public List<Block> encode(List<Object[]> page) {
        List<Block> blocks = new ArrayList<>(2);
        for (Object[] row : page) {
            encoder.record(row, block);
            blockRows++;
            blockLast = row;
            if (block.size() >= BLOCK_BYTES) {
                blocks.add(cut());
            }
        }
        return blocks;
    }

    /** Stage 1, after the last page: the partial block, if any. */
    private List<Block> flush() {
        return blockRows == 0 ? List.of() : List.of(cut());
    }

    private Block cut() {
        byte[] data = Arrays.copyOf(block.array(), block.size());
        byte[] dictionary = previous;
        int rows = blockRows;
        String lastTime = keyAt < 0 ? null : KeyText.time(blockLast[keyAt]);
        String lastId = keyAt < 0 ? null : KeyText.id(blockLast[keyAt + 1]);
        blockLast = null;
        previous = data;
        block.reset();
        blockRows = 0;
        CompletableFuture<byte[]> stored = gzip
                ? CompletableFuture.supplyAsync(() -> GzipBlocks.deflate(dictionary, data, 0, data.length), compressors)
                : CompletableFuture.completedFuture(data);
        return new Block(data, rows, dictionary != null, stored, lastTime, lastId);
    }

    /** Stage 2: once the blocks are compressed, appends them in order; full pieces are then ready in {@link #take()}. */
    public Uni<Void> write(List<Block> blocks) {
        if (blocks.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        CompletableFuture<?>[] pending = blocks.stream().map(Block::stored).toArray(CompletableFuture[]::new);
        return Uni.createFrom().completionStage(() -> CompletableFuture.allOf(pending))
                .invoke(() -> blocks.forEach(this::append));
    }

    /** Stage 1 then 2 for the end of the rows: the last block, then the last part is closed. */
    public Uni<Void> finish() {
        return write(flush()).invoke(() -> {
            if (!partOpen && part == 0) {
                // An export without rows still gets one valid, empty part (CSV: the header only).
                openPart();
            }
            if (partOpen) {
                closePart();
            }
        });
    }

    /** Pieces ready for upload, in order; the caller uploads them before handing more rows. */
    public List<Piece> take() {
        if (ready.isEmpty()) {
            return List.of();
        }
        List<Piece> out = new ArrayList<>(ready);
        ready.clear();
        return out;
    }

    public long rowsWritten() {
        return totalRows;
    }

    public long bytesStored() {
        return totalStored + pieceSize;
    }

    private void append(Block b) {
        if (!partOpen) {
            openPart();
        }
        if (partEmpty && (header.length > 0 || b.primed())) {
            // A part's first block: no dictionary (nothing precedes it in this file), the header before it.
            byte[] input = new byte[header.length + b.data().length];
            System.arraycopy(header, 0, input, 0, header.length);
            System.arraycopy(b.data(), 0, input, header.length, b.data().length);
            input(input, gzip ? GzipBlocks.deflate(null, input, 0, input.length) : input);
        } else {
            input(b.data(), b.stored().join());
        }
        partRows += b.rows();
        totalRows += b.rows();
        partLastTime = b.lastTime();
        partLastId = b.lastId();
        if (partStored >= maxFileBytes) {
            closePart();
        }
    }

    /** Adds uncompressed {@code data}, stored as {@code stored}, to the open part. */
    private void input(byte[] data, byte[] stored) {
        partEmpty = false;
        partInput += data.length;
        if (gzip) {
            crc.update(data, 0, data.length);
        }
        store(stored);
    }

    private void openPart() {
        part++;
        partOpen = true;
        partEmpty = true;
        partRows = 0;
        partStored = 0;
        partInput = 0;
        partLastTime = null;
        partLastId = null;
        crc.reset();
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (gzip) {
            store(GzipBlocks.HEADER);
        }
    }

    private void closePart() {
        if (partEmpty && header.length > 0) {
            input(header, gzip ? GzipBlocks.deflate(null, header, 0, header.length) : header);
        }
        if (gzip) {
            store(GzipBlocks.FINAL_BLOCK);
            store(GzipBlocks.trailer(crc.getValue(), partInput));
        }
        partOpen = false;
        handOver(new PartSummary(part, partRows, partStored, HexFormat.of().formatHex(digest.digest()), partLastTime,
                partLastId));
    }

    /** Stored bytes of the current part: counted, hashed and cut into pieces. */
    private void store(byte[] b) {
        digest.update(b);
        partStored += b.length;
        int off = 0;
        int len = b.length;
        while (len > 0) {
            // A full piece is handed over only when more bytes follow, so a part's last piece is never empty.
            if (pieceSize == pieceBytes) {
                handOver(null);
            }
            if (chunk == null || chunkSize == chunkLimit) {
                sealChunk();
                chunk = Chunks.take();
                chunkLimit = Math.min(CHUNK_BYTES, pieceBytes - pieceSize);
            }
            int n = Math.min(len, chunkLimit - chunkSize);
            System.arraycopy(b, off, chunk, chunkSize, n);
            chunkSize += n;
            pieceSize += n;
            off += n;
            len -= n;
        }
    }

    private void sealChunk() {
        if (chunk != null && chunkSize > 0) {
            chunks.add(ByteBuffer.wrap(chunk, 0, chunkSize));
        }
        chunk = null;
        chunkSize = 0;
    }

    private void handOver(PartSummary lastOf) {
        sealChunk();
        // An empty part (plain text, no rows, no header) is still one object: an empty body.
        ready.add(new Piece(part, chunks.isEmpty() ? List.of(ByteBuffer.allocate(0)) : List.copyOf(chunks), lastOf));
        totalStored += pieceSize;
        chunks.clear();
        pieceSize = 0;
    }
}
