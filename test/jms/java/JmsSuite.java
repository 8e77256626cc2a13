package jmssuite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JMS compatibility suite: runs scenarios through the unchanged ActiveMQ 5.17 client
 * against one broker and prints a line per scenario for the Go driver:
 * {@code PLAN a b c} first, then {@code PASS name}, {@code FAIL name: reason} or
 * {@code SKIP name: reason}; {@code INFO name: note} lines may come in between.
 *
 * <pre>
 * java -cp CLASSES:JARS jmssuite.JmsSuite URL [scenario ...|all]
 *   -Djms.user=guest -Djms.password=guest  credentials for every connection
 *   -Djms.auth=false                       the broker accepts anyone: skip wrong_credentials
 *   -Djms.timeout=20                       seconds per scenario
 *   -Djms.interop.to=Q -Djms.interop.from=Q queues of the amqp_interop scenario
 * </pre>
 *
 * "all" is every scenario except those that need the driver's help (failover_restart,
 * which must be told when the broker restarts, and amqp_interop, which needs an AMQP
 * client on the other side); name those explicitly.
 */
public final class JmsSuite {
    private static final Set<String> DRIVER_ONLY = Set.of("failover_restart", "amqp_interop");

    static Map<String, Scenario> registry() {
        Map<String, Scenario> m = new LinkedHashMap<>();
        MessageScenarios.register(m);
        AckScenarios.register(m);
        RoutingScenarios.register(m);
        DeliveryScenarios.register(m);
        XaScenarios.register(m);
        ConnectionScenarios.register(m);
        return m;
    }

    static synchronized void line(String s) {
        System.out.println(s.replace('\n', ' ').replace('\r', ' '));
        System.out.flush();
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: JmsSuite URL [scenario ...|all]");
            System.exit(2);
        }
        String url = args[0];
        Map<String, Scenario> all = registry();
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("all")) {
                for (String n : all.keySet()) {
                    if (!DRIVER_ONLY.contains(n)) {
                        names.add(n);
                    }
                }
            } else if (all.containsKey(args[i])) {
                names.add(args[i]);
            } else {
                System.err.println("unknown scenario " + args[i] + "; known: " + all.keySet());
                System.exit(2);
            }
        }
        if (args.length == 1) {
            names.addAll(all.keySet());
            names.removeAll(DRIVER_ONLY);
        }
        String user = System.getProperty("jms.user", "guest");
        String password = System.getProperty("jms.password", "guest");
        boolean auth = Boolean.parseBoolean(System.getProperty("jms.auth", "true"));
        long timeout = Long.parseLong(System.getProperty("jms.timeout", "20"));
        String runId = UUID.randomUUID().toString().substring(0, 8);

        line("PLAN " + String.join(" ", names));
        for (String n : names) {
            Ctx c = new Ctx(n, url, user, password, auth, runId);
            line(runOne(n, all.get(n), c, timeout));
        }
        // ActiveMQ's transport threads are not all daemons; the verdicts are out.
        System.exit(0);
    }

    private static String runOne(String name, Scenario s, Ctx c, long timeoutSec) {
        FutureTask<Void> task = new FutureTask<>(() -> {
            Ctx.CURRENT.set(c);
            s.run(c);
            return null;
        });
        Thread t = new Thread(task, "scenario-" + name);
        t.setDaemon(true);
        long start = System.nanoTime();
        t.start();
        try {
            task.get(timeoutSec, TimeUnit.SECONDS);
            return "PASS " + name + took(start);
        } catch (TimeoutException e) {
            String where = stack(t.getStackTrace());
            c.closeAll();
            t.interrupt();
            return "FAIL " + name + ": timed out after " + timeoutSec + " s; stuck at " + where;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Skip) {
                return "SKIP " + name + ": " + cause.getMessage();
            }
            return "FAIL " + name + ": " + reason(cause);
        } catch (InterruptedException e) {
            return "FAIL " + name + ": interrupted";
        } finally {
            c.closeAll();
        }
    }

    private static String took(long start) {
        return String.format(" (%.2f s)", (System.nanoTime() - start) / 1e9);
    }

    private static String reason(Throwable t) {
        if (t instanceof AssertionError) {
            return t.getMessage() + " [at " + scenarioFrame(t.getStackTrace()) + "]";
        }
        String first = t.toString();
        Throwable cause = t.getCause();
        if (cause != null && cause != t) {
            first += " caused by " + cause;
        }
        return first + " [at " + scenarioFrame(t.getStackTrace()) + "]";
    }

    /** The innermost frame inside a scenario class: the line that failed. */
    private static String scenarioFrame(StackTraceElement[] st) {
        for (StackTraceElement e : st) {
            if (e.getClassName().startsWith("jmssuite.") && !e.getClassName().equals("jmssuite.Ctx")) {
                return e.getFileName() + ":" + e.getLineNumber();
            }
        }
        // An exception the broker sent back carries the broker's stack, if any.
        return st.length > 0 ? "broker-side " + st[0] : "unknown line";
    }

    /**
     * Where a stuck scenario waits: the innermost ActiveMQ client frames (which say
     * what the client waits for) and the scenario line that called it.
     */
    private static String stack(StackTraceElement[] st) {
        List<String> parts = new ArrayList<>();
        int client = 0;
        for (StackTraceElement e : st) {
            String cls = e.getClassName();
            if (cls.startsWith("org.apache.activemq.") && client < 4) {
                client++;
                parts.add(cls.replaceFirst("^.*\\.", "") + "." + e.getMethodName() + ":" + e.getLineNumber());
            } else if (cls.startsWith("jmssuite.") && !cls.equals("jmssuite.Ctx")) {
                parts.add(e.getFileName() + ":" + e.getLineNumber());
                break;
            }
        }
        if (parts.isEmpty() && st.length > 0) {
            parts.add(st[0].toString());
        }
        return String.join(" < ", parts);
    }
}
