import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.TransportConnector;

/**
 * Runs JMS scenarios with the ActiveMQ client through a RecordingProxy to an
 * embedded ActiveMQ broker (loopback, persistence off) and saves the byte
 * streams of every connection under OUT/FORMAT/SCENARIO/.
 *
 * Usage: java Capture OUT [FORMAT...]   (default: every format)
 */
public final class Capture {
    /** Client URI options per format; the broker keeps its defaults. */
    static final Map<String, String> FORMATS = new LinkedHashMap<>();
    static {
        FORMATS.put("v12-tight-cache", "");
        FORMATS.put("v12-loose-cache", "wireFormat.tightEncodingEnabled=false");
        FORMATS.put("v12-tight-nocache", "wireFormat.cacheEnabled=false");
        FORMATS.put("v12-tight-cache150", "wireFormat.cacheSize=150");
        FORMATS.put("v10-loose-nocache-nostack",
                "wireFormat.version=10&wireFormat.tightEncodingEnabled=false&wireFormat.cacheEnabled=false&wireFormat.stackTraceEnabled=false");
        for (int v = 11; v >= 1; v--) {
            FORMATS.put("v" + v + "-tight-cache", "wireFormat.version=" + v);
        }
    }

    /** The scenarios of the default formats; older versions run the core set. */
    static final String[] FULL = {"basic", "durable", "temp", "tx", "xa", "browser", "ackmodes", "pull",
            "window", "errors", "compression", "blob", "keepalive"};
    static final String[] CORE = {"basic", "durable", "temp", "tx", "errors"};

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args[0]);
        List<String> formats = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            formats.add(args[i]);
        }
        if (formats.isEmpty()) {
            formats.addAll(FORMATS.keySet());
        }

        BrokerService broker = new BrokerService();
        broker.setBrokerName("capture");
        broker.setPersistent(false);
        broker.setUseJmx(false);
        broker.setUseShutdownHook(false);
        TransportConnector tc = broker.addConnector("tcp://127.0.0.1:0");
        broker.start();
        broker.waitUntilStarted();

        try (RecordingProxy proxy = new RecordingProxy(tc.getConnectUri().getPort())) {
            proxy.start();
            for (String format : formats) {
                String opts = FORMATS.get(format);
                if (opts == null) {
                    throw new IllegalArgumentException("unknown format " + format);
                }
                boolean full = format.startsWith("v12") || format.startsWith("v10-loose");
                for (String scenario : full ? FULL : CORE) {
                    String uri = "tcp://127.0.0.1:" + proxy.port() + (opts.isEmpty() ? "" : "?" + opts);
                    System.out.println(format + "/" + scenario + ": " + uri);
                    Scenarios.run(scenario, uri, format.replace('-', '_') + "_" + scenario);
                    proxy.save(out.resolve(format).resolve(scenario));
                }
            }
        } finally {
            broker.stop();
            broker.waitUntilStopped();
        }
        System.exit(0); // client and broker leave non-daemon threads behind
    }
}
