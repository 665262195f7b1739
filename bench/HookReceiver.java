// A webhook receiver for bench/push-demo.sh (a single-file program, JDK only): answers 200 and keeps the
// last request's body and its webhook-* headers in files of DIR, for the script to verify.
// Usage: java bench/HookReceiver.java PORT DIR
import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

public class HookReceiver {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 50);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Files.write(dir.resolve("body"), body);
            for (String h : new String[]{"webhook-id", "webhook-timestamp", "webhook-signature"}) {
                Files.writeString(dir.resolve(h), exchange.getRequestHeaders().getFirst(h));
            }
            Files.writeString(dir.resolve("received"), "yes");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        System.out.println("listening");
    }
}
