package io.outport.export.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Encodes rows, compresses them and cuts the stored bytes into upload pieces and part files. A new part
 * starts at a row boundary once the current part's stored size reaches {@code maxFileBytes}; each part
 * is one complete gzip stream (or plain text) with its own header row where the format has one.
 * Memory is bounded by one piece being filled plus the pieces not yet taken by the uploader.
 * Single-threaded: runs on a worker thread, never on an event loop.
 */
public final class PartWriter {

    /** Size of an upload piece; S3 needs at least 5 MiB for every multipart piece but the last. */
    public static final int PIECE_BYTES = 8 * 1024 * 1024;
    /** Uncompressed bytes per segment handed to the compressor; part boundaries are checked between segments. */
    private static final int FLUSH_BYTES = 64 * 1024;

    private final RecordEncoder encoder;
    private final boolean gzip;
    private final long maxFileBytes;
    private final int pieceBytes;
    private final ByteSink sink = new ByteSink();
    private final ByteSink encodeSink = new ByteSink();
    private final List<Piece> ready = new ArrayList<>();

    private int part;
    private long partRows;
    private long partStored;
    private MessageDigest digest;
    private OutputStream compressor;
    private byte[] piece;
    private int pieceSize;

    private long totalRows;
    private long totalStored;

    public PartWriter(RecordEncoder encoder, boolean gzip, long maxFileBytes, int pieceBytes) {
        this.encoder = encoder;
        this.gzip = gzip;
        this.maxFileBytes = maxFileBytes;
        this.pieceBytes = pieceBytes;
    }

    /** Rows encoded but not yet compressed: segments of about 64 KiB, each ending at a row boundary. */
    public record Encoded(List<byte[]> segments, int[] rows) {
    }

    /**
     * First stage (one thread): encodes a page of rows into segments. Runs concurrently with
     * {@link #write(Encoded)} of the previous page on another thread, so encoding and compression use
     * two cores.
     */
    public Encoded encode(List<String[]> page) {
        List<byte[]> segments = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        int rows = 0;
        for (String[] row : page) {
            encoder.record(row, encodeSink);
            rows++;
            if (encodeSink.size() >= FLUSH_BYTES) {
                segments.add(java.util.Arrays.copyOf(encodeSink.array(), encodeSink.size()));
                counts.add(rows);
                encodeSink.reset();
                rows = 0;
            }
        }
        if (rows > 0) {
            segments.add(java.util.Arrays.copyOf(encodeSink.array(), encodeSink.size()));
            counts.add(rows);
            encodeSink.reset();
        }
        return new Encoded(segments, counts.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Second stage: compresses encoded segments; complete pieces become available through {@link #take()}. */
    public void write(Encoded encoded) {
        for (int i = 0; i < encoded.segments().size(); i++) {
            if (compressor == null) {
                openPart();
            }
            byte[] segment = encoded.segments().get(i);
            compress(segment, 0, segment.length);
            partRows += encoded.rows()[i];
            totalRows += encoded.rows()[i];
            if (partStored >= maxFileBytes) {
                closePart();
            }
        }
    }

    /** Both stages on the calling thread (tests and small inputs). */
    public void rows(List<String[]> rows) {
        write(encode(rows));
    }

    /** Closes the last part; an export without rows still gets one valid, empty part. */
    public void finish() {
        if (compressor == null && part == 0) {
            openPart();
        }
        if (compressor != null) {
            closePart();
        }
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

    private void openPart() {
        part++;
        partRows = 0;
        partStored = 0;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        piece = new byte[pieceBytes];
        pieceSize = 0;
        OutputStream stored = new Stored();
        try {
            compressor = gzip ? new GZIPOutputStream(stored, FLUSH_BYTES) : stored;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        encoder.header(sink);
        compress(sink.array(), 0, sink.size());
        sink.reset();
    }

    private void compress(byte[] bytes, int from, int length) {
        try {
            compressor.write(bytes, from, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void closePart() {
        try {
            compressor.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        compressor = null;
        PartSummary summary = new PartSummary(part, partRows, partStored, HexFormat.of().formatHex(digest.digest()));
        ready.add(new Piece(part, ByteBuffer.wrap(piece, 0, pieceSize), summary));
        totalStored += pieceSize;
        piece = null;
        pieceSize = 0;
    }

    /** Receives the stored bytes of the current part: counts, hashes and cuts them into pieces. */
    private final class Stored extends OutputStream {

        @Override
        public void write(int b) {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            partStored += len;
            while (len > 0) {
                // A full piece is handed over only when more bytes follow, so a part's last piece is never empty.
                if (pieceSize == piece.length) {
                    ready.add(new Piece(part, ByteBuffer.wrap(piece), null));
                    totalStored += pieceSize;
                    piece = new byte[pieceBytes];
                    pieceSize = 0;
                }
                int n = Math.min(len, piece.length - pieceSize);
                System.arraycopy(b, off, piece, pieceSize, n);
                pieceSize += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() {
            // The part is closed by PartWriter.closePart.
        }
    }
}
