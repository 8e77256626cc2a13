import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;

import org.apache.activemq.broker.BrokerPlugin;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.TransportConnector;
import org.apache.activemq.security.AuthenticationUser;
import org.apache.activemq.security.SimpleAuthenticationPlugin;

/**
 * An in-memory ActiveMQ broker for the Go client's tests. It listens on a free
 * loopback port, accepts only guest/guest, prints "READY port", and then obeys
 * stdin: "restart" stops it and starts a fresh broker on the same port
 * (answering "RESTARTED"), "stop" or end of input exits.
 */
public final class TestBroker {
    private static BrokerService broker;
    private static int port;

    public static void main(String[] args) throws Exception {
        start();
        System.out.println("READY " + port);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            line = line.trim();
            if (line.equals("stop")) {
                break;
            }
            if (line.equals("restart")) {
                stop();
                start();
                System.out.println("RESTARTED");
            } else {
                System.out.println("ERROR " + line);
            }
            System.out.flush();
        }
        stop();
        System.exit(0);
    }

    private static void start() throws Exception {
        BrokerService b = new BrokerService();
        b.setBrokerName("goclient-test");
        b.setPersistent(false);
        b.setUseJmx(false);
        b.setUseShutdownHook(false);
        b.setSchedulerSupport(false);
        SimpleAuthenticationPlugin auth = new SimpleAuthenticationPlugin(
                List.of(new AuthenticationUser("guest", "guest", "users")));
        auth.setAnonymousAccessAllowed(false);
        b.setPlugins(new BrokerPlugin[] {auth});
        TransportConnector c = b.addConnector("tcp://127.0.0.1:" + port);
        b.start();
        b.waitUntilStarted();
        port = c.getConnectUri().getPort();
        broker = b;
    }

    private static void stop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker.waitUntilStopped();
            broker = null;
        }
    }
}
