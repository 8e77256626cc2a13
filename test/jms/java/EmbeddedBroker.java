package jmssuite;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.activemq.broker.BrokerPlugin;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.TransportConnector;
import org.apache.activemq.broker.region.policy.PolicyEntry;
import org.apache.activemq.broker.region.policy.PolicyMap;
import org.apache.activemq.security.AuthenticationUser;
import org.apache.activemq.security.SimpleAuthenticationPlugin;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;

/**
 * Runs real ActiveMQ 5.17 brokers on loopback so the suite can prove that each
 * scenario tests what ActiveMQ actually does.
 *
 * Arguments are broker specs, {@code name:mem} (no persistence) or
 * {@code name:kahadb:DIR}. For each broker it prints {@code READY name tcp://127.0.0.1:PORT}.
 * Then it reads commands from stdin: {@code restart NAME} stops that broker and starts
 * a fresh one on the same port and store (printing {@code RESTARTED NAME}); {@code stop}
 * or end of input stops everything.
 *
 * Every broker requires user guest/guest (simple authentication, no authorization), so
 * the wrong-credentials scenario means the same thing here as against Junction.
 */
public final class EmbeddedBroker {
    private static final class Spec {
        final String name;
        final File kahaDir; // null: memory store
        int port;
        BrokerService broker;

        Spec(String name, File kahaDir) {
            this.name = name;
            this.kahaDir = kahaDir;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, Spec> specs = new LinkedHashMap<>();
        for (String a : args) {
            String[] parts = a.split(":", 3);
            if (parts.length == 2 && parts[1].equals("mem")) {
                specs.put(parts[0], new Spec(parts[0], null));
            } else if (parts.length == 3 && parts[1].equals("kahadb")) {
                specs.put(parts[0], new Spec(parts[0], new File(parts[2])));
            } else {
                System.err.println("usage: EmbeddedBroker name:mem|name:kahadb:DIR ...; bad spec " + a);
                System.exit(2);
            }
        }
        for (Spec s : specs.values()) {
            start(s);
            System.out.println("READY " + s.name + " tcp://127.0.0.1:" + s.port);
        }
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.trim().split("\\s+");
            if (cmd[0].equals("stop")) {
                break;
            }
            if (cmd.length == 2 && cmd[0].equals("restart") && specs.containsKey(cmd[1])) {
                Spec s = specs.get(cmd[1]);
                stop(s);
                start(s);
                System.out.println("RESTARTED " + s.name);
            } else {
                System.out.println("ERROR unknown command: " + line);
            }
            System.out.flush();
        }
        for (Spec s : specs.values()) {
            stop(s);
        }
        System.exit(0);
    }

    private static void start(Spec s) throws Exception {
        BrokerService b = new BrokerService();
        b.setBrokerName("suite-" + s.name);
        b.setUseJmx(false);
        b.setUseShutdownHook(false);
        b.setSchedulerSupport(false);
        if (s.kahaDir == null) {
            b.setPersistent(false);
        } else {
            b.setPersistent(true);
            b.setDataDirectoryFile(s.kahaDir);
            KahaDBPersistenceAdapter kaha = new KahaDBPersistenceAdapter();
            kaha.setDirectory(new File(s.kahaDir, "kahadb"));
            b.setPersistenceAdapter(kaha);
        }
        List<AuthenticationUser> users = new ArrayList<>();
        users.add(new AuthenticationUser("guest", "guest", "users"));
        SimpleAuthenticationPlugin auth = new SimpleAuthenticationPlugin(users);
        auth.setAnonymousAccessAllowed(false);
        b.setPlugins(new BrokerPlugin[] {auth});
        // Queues keep priority order, as the priority scenario (and Junction) expect;
        // ActiveMQ's built-in default is FIFO regardless of JMSPriority.
        PolicyEntry queues = new PolicyEntry();
        queues.setQueue(">");
        queues.setPrioritizedMessages(true);
        PolicyMap policies = new PolicyMap();
        policies.setPolicyEntries(List.of(queues));
        b.setDestinationPolicy(policies);
        TransportConnector c = b.addConnector("tcp://127.0.0.1:" + s.port);
        b.start();
        b.waitUntilStarted();
        URI uri = c.getConnectUri();
        s.port = uri.getPort();
        s.broker = b;
    }

    private static void stop(Spec s) throws Exception {
        if (s.broker != null) {
            s.broker.stop();
            s.broker.waitUntilStopped();
            s.broker = null;
        }
    }
}
