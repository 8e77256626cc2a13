package jmsdurability;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JMS durability scenarios, driven by the Go test in the parent directory. Every scenario
 * has two halves: {@code before} runs against the first broker and leaves state behind
 * (connections stay open, holding unacknowledged messages); the program then prints
 * {@code RESTART-NOW}, the driver restarts the broker (clean shutdown or kill -9) on the
 * same data directory and answers {@code RESTARTED <url>} on stdin; {@code after} checks
 * what the restarted broker gives back.
 *
 * <p>Output, one line per event: {@code PLAN a b c}, {@code INFO name: note},
 * {@code PASS name}, {@code FAIL name: reason}.
 *
 * <p>Usage: {@code java jmsdurability.DurabilityJms tcp://host:port [scenario...]}; system
 * properties {@code jms.user}, {@code jms.password}.
 */
public final class DurabilityJms {
    private DurabilityJms() {}

    /** One durable thing to check across a restart. */
    interface Scenario {
        void before(Jms jms) throws Exception;

        void after(Jms jms) throws Exception;
    }

    static Map<String, Scenario> scenarios() {
        Map<String, Scenario> m = new LinkedHashMap<>();
        m.put("properties", new MessageScenarios.Properties());
        m.put("redelivery", new MessageScenarios.Redelivery());
        m.put("transacted", new MessageScenarios.Transacted());
        m.put("durable_subscription", new SubscriptionScenario());
        m.put("xa_prepared", new XaScenario());
        return m;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: DurabilityJms URL [scenario...]");
            System.exit(2);
        }
        Map<String, Scenario> all = scenarios();
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (!all.containsKey(args[i])) {
                System.err.println("unknown scenario " + args[i]);
                System.exit(2);
            }
            names.add(args[i]);
        }
        if (names.isEmpty()) {
            names.addAll(all.keySet());
        }
        say("PLAN " + String.join(" ", names));

        Jms first = new Jms(args[0]);
        List<String> ready = new ArrayList<>();
        for (String n : names) {
            try {
                all.get(n).before(first);
                ready.add(n);
            } catch (Throwable e) {
                say("FAIL " + n + ": before the restart: " + describe(e));
            }
        }

        say("RESTART-NOW");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String reply = in.readLine();
        if (reply == null || !reply.startsWith("RESTARTED ")) {
            for (String n : ready) {
                say("FAIL " + n + ": the driver did not restart the broker: " + reply);
            }
            first.closeQuietly();
            System.exit(1);
        }
        // The first broker is gone; its connections are dead.
        first.closeQuietly();

        Jms second = new Jms(reply.substring("RESTARTED ".length()).trim());
        for (String n : ready) {
            try {
                all.get(n).after(second);
                say("PASS " + n);
            } catch (Throwable e) {
                say("FAIL " + n + ": after the restart: " + describe(e));
            }
        }
        second.closeQuietly();
        System.exit(0);
    }

    static synchronized void say(String line) {
        System.out.println(line.replace('\n', ' '));
        System.out.flush();
    }

    /** The failure and where in the scenarios it happened. */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e));
        for (StackTraceElement f : e.getStackTrace()) {
            if (f.getClassName().startsWith("jmsdurability.")) {
                sb.append(" [at ").append(f.getFileName()).append(':').append(f.getLineNumber()).append(']');
                break;
            }
        }
        return sb.toString();
    }
}
