import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP proxy between the JMS client and the broker that records every byte
 * of every connection, per direction, and the order in which chunks arrived.
 * For each capture it writes conn-N.c2b (client to broker), conn-N.b2c and
 * conn-N.order (one line per chunk: direction, offset, length).
 */
final class RecordingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int brokerPort;
    private final List<Conn> conns = new ArrayList<>();
    private Thread acceptor;

    RecordingProxy(int brokerPort) throws IOException {
        this.brokerPort = brokerPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    int port() {
        return server.getLocalPort();
    }

    void start() {
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                    client.setTcpNoDelay(true);
                    broker.setTcpNoDelay(true);
                    Conn c = new Conn(client, broker);
                    synchronized (conns) {
                        conns.add(c);
                    }
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Waits for every connection of the capture to close and writes it out. */
    void save(Path dir) throws Exception {
        List<Conn> done;
        synchronized (conns) {
            done = new ArrayList<>(conns);
            conns.clear();
        }
        Files.createDirectories(dir);
        for (int i = 0; i < done.size(); i++) {
            Conn c = done.get(i);
            c.await(20000);
            String base = String.format("conn-%d", i + 1);
            write(dir.resolve(base + ".c2b"), c.c2b);
            write(dir.resolve(base + ".b2c"), c.b2c);
            try (PrintWriter w = new PrintWriter(dir.resolve(base + ".order").toFile(), "UTF-8")) {
                synchronized (c.order) {
                    for (String line : c.order) {
                        w.println(line);
                    }
                }
            }
        }
    }

    private static void write(Path p, ByteArrayOutputStream b) throws IOException {
        synchronized (b) {
            try (OutputStream out = new FileOutputStream(p.toFile())) {
                b.writeTo(out);
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    private static final class Conn {
        final Socket client, broker;
        final ByteArrayOutputStream c2b = new ByteArrayOutputStream(), b2c = new ByteArrayOutputStream();
        final List<String> order = new ArrayList<>();
        final Thread up, down;

        Conn(Socket client, Socket broker) {
            this.client = client;
            this.broker = broker;
            up = pump(client, broker, c2b, "c2b");
            down = pump(broker, client, b2c, "b2c");
        }

        void start() {
            up.start();
            down.start();
        }

        void await(long millis) throws InterruptedException {
            up.join(millis);
            down.join(millis);
            if (up.isAlive() || down.isAlive()) {
                throw new IllegalStateException("connection still open after " + millis + " ms");
            }
            try {
                client.close();
                broker.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }

        private Thread pump(Socket from, Socket to, ByteArrayOutputStream rec, String dir) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[65536];
                try (InputStream in = from.getInputStream()) {
                    OutputStream out = to.getOutputStream();
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        synchronized (rec) {
                            synchronized (order) {
                                order.add(dir + " " + rec.size() + " " + n);
                            }
                            rec.write(buf, 0, n);
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // the peer went away; fall through and close the other side
                }
                try {
                    to.shutdownOutput();
                } catch (IOException e) {
                    // already closed
                }
                try {
                    if (from.isInputShutdown() || to.isOutputShutdown()) {
                        from.shutdownInput();
                    }
                } catch (IOException e) {
                    // already closed
                }
            }, "proxy-" + dir);
            t.setDaemon(true);
            return t;
        }
    }
}
