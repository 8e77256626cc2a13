import java.io.File;

import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.TransportConnector;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;

/**
 * An ActiveMQ 5.17 broker configured as Debian's stock instance
 * (/etc/activemq/instances-available/main/activemq.xml): KahaDB in DIR, one OpenWire
 * connector on loopback, no authentication, every other setting at its default
 * but one: the memory limit is 70% of the JVM heap, as ActiveMQ's own
 * conf/activemq.xml sets it (the BrokerService default of 1 GiB is not below
 * the heap, so a producer outrunning its consumer ends in OutOfMemoryError).
 * Prints {@code READY tcp://127.0.0.1:PORT} and runs until killed.
 *
 * <pre>java -cp CLASSES:/usr/share/activemq/lib/* BenchBroker PORT DIR</pre>
 */
public final class BenchBroker {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BenchBroker PORT DIR (PORT 0 picks a free one)");
            System.exit(2);
        }
        BrokerService b = new BrokerService();
        b.setBrokerName("bench");
        b.setUseJmx(false);
        b.setDataDirectoryFile(new File(args[1]));
        KahaDBPersistenceAdapter kaha = new KahaDBPersistenceAdapter();
        kaha.setDirectory(new File(args[1], "kahadb"));
        b.setPersistenceAdapter(kaha);
        b.getSystemUsage().getMemoryUsage().setPercentOfJvmHeap(70);
        TransportConnector c = b.addConnector("tcp://127.0.0.1:" + Integer.parseInt(args[0]));
        b.start();
        b.waitUntilStarted();
        System.out.println("READY tcp://127.0.0.1:" + c.getConnectUri().getPort());
        System.out.flush();
        b.waitUntilStopped();
    }
}
