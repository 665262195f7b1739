package io.outport.export.pipeline;

import io.outport.dataset.Column;
import io.outport.dataset.Column.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pure unit tests of the part writer: blocks compressed in parallel (on a real thread pool, so they finish
 * out of order) join into parts that are each one gzip member, hold exactly the rows in order, start with
 * the header, and are cut at row boundaries once the stored size reaches the limit.
 */
class PartWriterTest {

    private static final ExecutorService POOL = Executors.newFixedThreadPool(3);
    private static final List<Column> COLUMNS = List.of(new Column("id", "", Kind.NUMBER, "", Column.FilterType.NONE),
            new Column("type", "", Kind.STRING, "", Column.FilterType.NONE), new Column("at", "", Kind.TIMESTAMP, "", Column.FilterType.NONE), new Column("p", "", Kind.JSON, "", Column.FilterType.NONE));

    @AfterAll
    static void stop() {
        POOL.shutdown();
    }

    /** Rows that compress about 4:1, like real events, with some random text so blocks differ. */
    private static List<Object[]> rows(int n) {
        Random random = new Random(42);
        List<Object[]> rows = new ArrayList<>();
        OffsetDateTime t = OffsetDateTime.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < n; i++) {
            rows.add(new Object[]{(long) i, i % 7 == 0 ? "quote\"comma,line\nü" : "page_view",
                    t.plusSeconds(i * 13L), "{\"n\": " + random.nextInt() + ", \"r\": \"" + Long.toHexString(random.nextLong()) + "\"}"});
        }
        return rows;
    }

    private record Written(List<byte[]> parts, List<PartSummary> summaries) {
    }

    private static Written write(String format, boolean gzip, long maxFileBytes, List<Object[]> rows, int pageSize) {
        PartWriter writer = new PartWriter(RecordEncoder.of(format, COLUMNS), gzip, maxFileBytes, 64 * 1024, POOL);
        List<Piece> pieces = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += pageSize) {
            writer.write(writer.encode(rows.subList(from, Math.min(rows.size(), from + pageSize)))).await().indefinitely();
            pieces.addAll(writer.take());
        }
        writer.finish().await().indefinitely();
        pieces.addAll(writer.take());
        List<byte[]> parts = new ArrayList<>();
        List<PartSummary> summaries = new ArrayList<>();
        ByteArrayOutputStream part = new ByteArrayOutputStream();
        for (Piece piece : pieces) {
            assertEquals(parts.size() + 1, piece.part());
            for (ByteBuffer chunk : piece.bytes()) {
                ByteBuffer b = chunk.duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                part.writeBytes(bytes);
            }
            if (piece.last()) {
                parts.add(part.toByteArray());
                summaries.add(piece.lastOf());
                part.reset();
            }
        }
        assertEquals(0, part.size(), "every part ends with its last piece");
        assertEquals(rows.size(), summaries.stream().mapToLong(PartSummary::rows).sum());
        assertEquals(rows.size(), writer.rowsWritten());
        assertEquals(parts.stream().mapToLong(p -> p.length).sum(), writer.bytesStored());
        return new Written(parts, summaries);
    }

    private static byte[] encodedSerially(String format, List<Object[]> rows) {
        RecordEncoder encoder = RecordEncoder.of(format, COLUMNS);
        ByteSink sink = new ByteSink();
        rows.forEach(r -> encoder.record(r, sink));
        return java.util.Arrays.copyOf(sink.array(), sink.size());
    }

    /** Inflates one gzip member and checks that nothing follows its trailer (not a series of members). */
    private static byte[] singleMember(byte[] gz) throws IOException {
        Inflater inflater = new Inflater(true);
        inflater.setInput(gz, 10, gz.length - 10);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                assertTrue(n > 0 || !inflater.needsInput(), "the deflate stream ends inside the part");
                out.write(buf, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IOException(e);
        }
        assertEquals(8, inflater.getRemaining(), "exactly the CRC-32 and size follow the deflate stream");
        inflater.end();
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals(out.toByteArray(), in.readAllBytes(), "the JDK's reader agrees (and checks CRC and size)");
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void gzipPartsAreSingleMembersHoldingEveryRowInOrder() throws Exception {
        List<Object[]> rows = rows(40_000);
        Written w = write("ndjson", true, 5L * 64 * 1024, rows, 1000);
        assertTrue(w.parts().size() >= 3, "several parts: " + w.parts().size());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < w.parts().size(); i++) {
            byte[] text = singleMember(w.parts().get(i));
            String s = new String(text, StandardCharsets.UTF_8);
            assertTrue(s.startsWith("{\"id\":") && s.endsWith("}\n"), "part " + (i + 1) + " is cut at a row boundary");
            // Inside NDJSON strings a newline is escaped, so raw newlines count rows.
            assertEquals(w.summaries().get(i).rows(), s.chars().filter(c -> c == '\n').count(), "rows of part " + (i + 1));
            assertEquals(w.parts().get(i).length, w.summaries().get(i).sizeBytes());
            assertEquals(sha256(w.parts().get(i)), w.summaries().get(i).sha256());
            all.writeBytes(text);
        }
        assertArrayEquals(encodedSerially("ndjson", rows), all.toByteArray());
    }

    @Test
    void aPartIsCutOnceItsStoredSizeReachesTheLimit() {
        long max = 6L * 64 * 1024;
        Written w = write("ndjson", true, max, rows(60_000), 700);
        for (int i = 0; i < w.parts().size() - 1; i++) {
            long size = w.summaries().get(i).sizeBytes();
            // Reached the limit, and by no more than one block's compressed size (a block is 256 KiB of text).
            assertTrue(size >= max && size < max + PartWriter.BLOCK_BYTES / 2, "part " + (i + 1) + ": " + size);
        }
        assertTrue(w.summaries().get(w.parts().size() - 1).sizeBytes() < max + PartWriter.BLOCK_BYTES / 2);
    }

    @Test
    void csvPartsEachStartWithTheHeader() throws Exception {
        List<Object[]> rows = rows(30_000);
        Written w = write("csv", true, 5L * 64 * 1024, rows, 1000);
        assertTrue(w.parts().size() >= 2);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : w.parts()) {
            String s = new String(singleMember(part), StandardCharsets.UTF_8);
            assertTrue(s.startsWith("id,type,at,p\r\n"), "header first");
            assertTrue(s.endsWith("\r\n"));
            all.writeBytes(s.substring("id,type,at,p\r\n".length()).getBytes(StandardCharsets.UTF_8));
        }
        assertArrayEquals(encodedSerially("csv", rows), all.toByteArray());
    }

    @Test
    void plainTextPartsAreTheRowsAsEncoded() {
        List<Object[]> rows = rows(20_000);
        Written w = write("ndjson", false, 1024 * 1024, rows, 333);
        assertTrue(w.parts().size() >= 2);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        w.parts().forEach(all::writeBytes);
        assertArrayEquals(encodedSerially("ndjson", rows), all.toByteArray());
    }

    @Test
    void piecesAreFullExceptEachPartsLastAndHeldInSmallChunks() {
        PartWriter writer = new PartWriter(RecordEncoder.of("ndjson", COLUMNS), false, 3L * 1024 * 1024, 1024 * 1024, POOL);
        List<Object[]> rows = rows(50_000);
        List<Piece> pieces = new ArrayList<>();
        writer.write(writer.encode(rows)).await().indefinitely();
        writer.finish().await().indefinitely();
        pieces.addAll(writer.take());
        assertTrue(pieces.size() > 4);
        for (Piece piece : pieces) {
            long size = piece.bytes().stream().mapToLong(ByteBuffer::remaining).sum();
            assertTrue(piece.last() || size == 1024 * 1024, "a piece that is not its part's last is full: " + size);
            assertTrue(size > 0, "no empty piece");
            piece.bytes().forEach(c -> assertTrue(c.remaining() <= PartWriter.CHUNK_BYTES));
        }
    }

    /** Writes {@code rows} as plain NDJSON in 1 MiB pieces and returns the pieces, not released. */
    private static List<Piece> plainPieces(List<Object[]> rows) {
        PartWriter writer = new PartWriter(RecordEncoder.of("ndjson", COLUMNS), false, Long.MAX_VALUE, 1024 * 1024, POOL);
        writer.write(writer.encode(rows)).await().indefinitely();
        writer.finish().await().indefinitely();
        return writer.take();
    }

    private static byte[] joined(List<Piece> pieces) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Piece piece : pieces) {
            for (ByteBuffer chunk : piece.bytes()) {
                ByteBuffer b = chunk.duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                all.writeBytes(bytes);
            }
        }
        return all.toByteArray();
    }

    @Test
    void releasedPiecesLendTheirArraysToLaterPiecesAndNothingOfWhatTheyHeldShowsThrough() {
        List<Piece> first = plainPieces(rows(40_000));
        assertArrayEquals(encodedSerially("ndjson", rows(40_000)), joined(first));
        java.util.Set<byte[]> lent = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        first.forEach(p -> p.bytes().forEach(b -> lent.add(b.array())));
        int idleBefore = Chunks.idle();
        first.forEach(Piece::release);
        assertTrue(Chunks.idle() > idleBefore, "released arrays are kept for later pieces");
        // Fewer, shorter rows: every reused array is only partly overwritten where the last piece ends.
        List<Object[]> fewer = rows(7_000);
        fewer.forEach(r -> r[1] = "x");
        List<Piece> second = plainPieces(fewer);
        assertTrue(second.stream().flatMap(p -> p.bytes().stream()).anyMatch(b -> lent.contains(b.array())),
                "the later pieces reuse released arrays");
        assertArrayEquals(encodedSerially("ndjson", fewer), joined(second));
        second.forEach(Piece::release);
        // More than the idle limit released at once: the rest is left to the collector.
        for (int i = 0; i < 3; i++) {
            plainPieces(rows(40_000)).forEach(Piece::release);
        }
        assertTrue(Chunks.idle() <= Chunks.IDLE_MAX);
    }

    @Test
    void noRowsMakeOneValidEmptyPart() throws Exception {
        Written ndjson = write("ndjson", true, 5L * 1024 * 1024, List.of(), 1000);
        assertEquals(1, ndjson.parts().size());
        assertEquals(0, singleMember(ndjson.parts().get(0)).length);
        Written csv = write("csv", true, 5L * 1024 * 1024, List.of(), 1000);
        assertEquals("id,type,at,p\r\n", new String(singleMember(csv.parts().get(0)), StandardCharsets.UTF_8));
        Written plain = write("csv", false, 5L * 1024 * 1024, List.of(), 1000);
        assertEquals("id,type,at,p\r\n", new String(plain.parts().get(0), StandardCharsets.UTF_8));
        Written nothing = write("ndjson", false, 5L * 1024 * 1024, List.of(), 1000);
        assertEquals(1, nothing.parts().size());
        assertEquals(0, nothing.parts().get(0).length);
    }

    @Test
    void compressionMatchesSerialGzipWithinAFewPercent() throws Exception {
        List<Object[]> rows = rows(40_000);
        byte[] text = encodedSerially("ndjson", rows);
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(serial)) {
            gz.write(text);
        }
        Written w = write("ndjson", true, Long.MAX_VALUE, rows, 1000);
        assertEquals(1, w.parts().size());
        long blocks = w.parts().get(0).length;
        assertTrue(blocks <= serial.size() * 1.02, "parallel " + blocks + " vs serial " + serial.size());
    }

    @Test
    void eachPartKnowsTheKeyOfItsLastRowAndAResumedWriterNumbersItsPartsAfterTheKeptOnes() {
        List<Object[]> rows = new ArrayList<>();
        for (Object[] r : rows(30_000)) {
            // The (time, id) key rides after the encoded columns, as the row source reads it.
            rows.add(new Object[]{r[0], r[1], r[2], r[3], "t" + r[0], "id" + r[0]});
        }
        PartWriter writer = new PartWriter(RecordEncoder.of("ndjson", COLUMNS), false, 512 * 1024, 64 * 1024, POOL, 4);
        writer.resumeAfter(3, 1000, 5000);
        List<PartSummary> summaries = new ArrayList<>();
        long rowsSeen = 0;
        for (int from = 0; from < rows.size(); from += 1000) {
            writer.write(writer.encode(rows.subList(from, from + 1000))).await().indefinitely();
            writer.take().stream().filter(Piece::last).forEach(p -> summaries.add(p.lastOf()));
        }
        writer.finish().await().indefinitely();
        writer.take().stream().filter(Piece::last).forEach(p -> summaries.add(p.lastOf()));
        assertTrue(summaries.size() > 2, "several parts");
        for (int i = 0; i < summaries.size(); i++) {
            PartSummary s = summaries.get(i);
            assertEquals(4 + i, s.part(), "numbered after the 3 kept parts");
            rowsSeen += s.rows();
            assertEquals("t" + (rowsSeen - 1), s.lastTime(), "the key of the part's last row");
            assertEquals("id" + (rowsSeen - 1), s.lastId());
        }
        assertEquals(30_000, rowsSeen);
        assertEquals(31_000, writer.rowsWritten(), "totals go on from the kept parts");
        assertTrue(writer.bytesStored() > 5000);
    }
}
