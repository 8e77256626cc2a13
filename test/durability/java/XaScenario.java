package jmsdurability;

import static jmsdurability.Jms.eq;
import static jmsdurability.Jms.none;
import static jmsdurability.Jms.recv;
import static jmsdurability.Jms.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Session;
import javax.jms.XAConnection;
import javax.jms.XASession;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * XA prepared transactions survive a restart: recover() on the restarted broker lists
 * every prepared xid (and not the one that was only ended); until it is completed,
 * nothing it sent is visible and what it received stays locked; commit makes its sends
 * visible and its receives final, rollback discards its sends.
 */
final class XaScenario implements DurabilityJms.Scenario {
    static final int FORMAT = 0x445552; // "DUR"

    static final class TestXid implements Xid {
        final String gtrid;

        TestXid(String gtrid) {
            this.gtrid = gtrid;
        }

        @Override
        public int getFormatId() {
            return FORMAT;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return gtrid.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] getBranchQualifier() {
            return new byte[] {1};
        }
    }

    private final TestXid commitSend = new TestXid("dur-xa-commit-send");
    private final TestXid rollbackSend = new TestXid("dur-xa-rollback-send");
    private final TestXid commitReceive = new TestXid("dur-xa-commit-receive");
    private final TestXid unprepared = new TestXid("dur-xa-unprepared");

    /** Runs one branch: start, work, end, and prepare unless told not to. */
    private static void branch(XAResource xr, Xid xid, boolean prepare, Work w) throws Exception {
        xr.start(xid, XAResource.TMNOFLAGS);
        w.run();
        xr.end(xid, XAResource.TMSUCCESS);
        if (prepare) {
            eq("prepare vote of " + new String(xid.getGlobalTransactionId(), StandardCharsets.UTF_8), XAResource.XA_OK,
                    xr.prepare(xid));
        }
    }

    interface Work {
        void run() throws Exception;
    }

    @Override
    public void before(Jms jms) throws Exception {
        Connection plain = jms.connect();
        Session ps = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer pp = ps.createProducer(ps.createQueue("dur.jms.xa.src"));
        pp.send(ps.createTextMessage("to-consume"), DeliveryMode.PERSISTENT, 4, 0);

        XAConnection xc = jms.connectXA();
        XASession xs = xc.createXASession();
        XAResource xr = xs.getXAResource();
        Session s = xs.getSession();
        MessageProducer p = s.createProducer(s.createQueue("dur.jms.xa"));
        p.setDeliveryMode(DeliveryMode.PERSISTENT);
        branch(xr, commitSend, true, () -> p.send(s.createTextMessage("xa-committed")));
        branch(xr, rollbackSend, true, () -> p.send(s.createTextMessage("xa-rolled-back")));
        MessageConsumer mc = s.createConsumer(s.createQueue("dur.jms.xa.src"));
        branch(xr, commitReceive, true, () -> eq("XA receive", "to-consume", text(recv(mc, "to-consume"))));
        mc.close();
        branch(xr, unprepared, false, () -> p.send(s.createTextMessage("xa-unprepared")));
    }

    private static List<String> ours(XAResource xr) throws Exception {
        List<String> out = new ArrayList<>();
        for (Xid x : xr.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
            if (x.getFormatId() == FORMAT) {
                out.add(new String(x.getGlobalTransactionId(), StandardCharsets.UTF_8));
            }
        }
        Collections.sort(out);
        return out;
    }

    @Override
    public void after(Jms jms) throws Exception {
        XAConnection xc = jms.connectXA();
        XAResource xr = xc.createXASession().getXAResource();
        eq("xids listed by recover() after the restart",
                Arrays.asList(commitReceive.gtrid, commitSend.gtrid, rollbackSend.gtrid), ours(xr));

        Connection plain = jms.connect();
        Session s = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer out = s.createConsumer(s.createQueue("dur.jms.xa"));
        none(out, "dur.jms.xa before the prepared transactions are completed");
        MessageConsumer src = s.createConsumer(s.createQueue("dur.jms.xa.src"));
        none(src, "dur.jms.xa.src: its message is locked by a prepared transaction");

        xr.commit(commitSend, false);
        xr.rollback(rollbackSend);
        xr.commit(commitReceive, false);
        eq("xids listed by recover() after commit and rollback", Collections.emptyList(), ours(xr));

        eq("dur.jms.xa after commit and rollback", "xa-committed", text(recv(out, "the committed XA send")));
        none(out, "after the committed XA send");
        none(src, "dur.jms.xa.src after the receiving transaction committed");
    }
}
