import java.io.File;

import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;

/**
 * ActiveMQ 5.17 for the side-by-side comparison: the configuration of
 * bench/jms/BenchBroker (Debian's stock instance: KahaDB under DIR, no
 * authentication, defaults but for the memory limit) with a STOMP connector
 * beside the OpenWire one, both on loopback. The compare program starts it, waits for both
 * ports and stops it with SIGTERM (the broker's shutdown hook closes KahaDB).
 *
 * <pre>java -cp CLASSES:/usr/share/activemq/lib/* CompareBroker OPENWIRE_PORT STOMP_PORT DIR</pre>
 */
public final class CompareBroker {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: CompareBroker OPENWIRE_PORT STOMP_PORT DIR");
            System.exit(2);
        }
        BrokerService broker = new BrokerService();
        broker.setBrokerName("compare");
        broker.setUseJmx(false);
        File dir = new File(args[2]);
        broker.setDataDirectoryFile(dir);
        KahaDBPersistenceAdapter store = new KahaDBPersistenceAdapter();
        store.setDirectory(new File(dir, "kahadb"));
        broker.setPersistenceAdapter(store);
        // As ActiveMQ's own conf/activemq.xml: BrokerService's default of 1 GiB
        // equals our -Xmx1g, and four producers outrunning four consumers ran
        // the JVM out of memory instead of into producer flow control.
        broker.getSystemUsage().getMemoryUsage().setPercentOfJvmHeap(70);
        broker.addConnector("tcp://127.0.0.1:" + Integer.parseInt(args[0]));
        broker.addConnector("stomp://127.0.0.1:" + Integer.parseInt(args[1]));
        broker.start();
        broker.waitUntilStarted();
        System.out.println("READY");
        System.out.flush();
        broker.waitUntilStopped();
    }
}
