package openwire

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

// link is one TCP (or TLS) connection to a broker with a negotiated codec:
// the transport under a Conn. A failover Conn replaces its link after a
// failure; everything above survives.
type link struct {
	nc     net.Conn
	codec  *wire.Codec
	format wire.Format
	gen    uint64 // which link of the Conn this is, from 1
	br     *bufio.Reader

	wmu     sync.Mutex
	bw      *bufio.Writer
	writers atomic.Int32 // writers queued on wmu; the last one flushes

	wrote, read atomic.Bool // activity since the inactivity monitor last looked

	once sync.Once
	err  error
	done chan struct{}
}

// negotiationTimeout bounds the wait for the broker's WireFormatInfo when
// the caller's context has no deadline, like Java's initial delay.
const negotiationTimeout = 10 * time.Second

// dialLink connects to one broker URL and negotiates the wire format.
func dialLink(ctx context.Context, u *url.URL, o *options) (*link, error) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "61616")
	}
	var nc net.Conn
	var err error
	d := net.Dialer{}
	switch u.Scheme {
	case "tcp", "nio", "auto":
		nc, err = d.DialContext(ctx, "tcp", addr)
	case "ssl", "tls", "nio+ssl", "auto+ssl":
		cfg := &tls.Config{}
		if o.tls != nil {
			cfg = o.tls.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		td := tls.Dialer{NetDialer: &d, Config: cfg}
		nc, err = td.DialContext(ctx, "tcp", addr)
	default:
		return nil, fmt.Errorf("dial %s: unsupported scheme %q (want tcp or ssl)", u.Redacted(), u.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	prefs := o.prefs
	prefs.Host = u.Hostname()
	l := &link{
		nc:    nc,
		codec: wire.NewCodec(prefs),
		br:    bufio.NewReaderSize(nc, 64<<10),
		bw:    bufio.NewWriterSize(nc, 64<<10),
		done:  make(chan struct{}),
	}
	if err := l.negotiate(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	return l, nil
}

// negotiate exchanges WireFormatInfos: ours goes first, before anything
// else, and nothing else may be written until the broker's has been read.
func (l *link) negotiate(ctx context.Context) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(negotiationTimeout)
	}
	l.nc.SetDeadline(deadline)
	defer l.nc.SetDeadline(time.Time{})
	if err := l.codec.WriteCommand(l.bw, l.codec.Local()); err != nil {
		return fmt.Errorf("write WireFormatInfo: %w", err)
	}
	if err := l.bw.Flush(); err != nil {
		return fmt.Errorf("write WireFormatInfo: %w", err)
	}
	cmd, err := l.codec.ReadCommand(l.br)
	if err != nil {
		return fmt.Errorf("read the broker's WireFormatInfo: %w", err)
	}
	peer, ok := cmd.(*wire.WireFormatInfo)
	if !ok {
		return fmt.Errorf("negotiate: broker sent %s before its WireFormatInfo", wire.TypeName(cmd.DataStructureType()))
	}
	if l.format, err = l.codec.ApplyPeer(peer); err != nil {
		return fmt.Errorf("negotiate: %w", err)
	}
	if tcp, ok := l.nc.(*net.TCPConn); ok {
		tcp.SetNoDelay(l.format.TcpNoDelay)
	}
	return nil
}

// write marshals cmd and sends it. Concurrent writers share flushes: a
// writer that sees others queued behind it leaves the flush to the last.
func (l *link) write(cmd wire.Command) error {
	l.writers.Add(1)
	l.wmu.Lock()
	defer l.wmu.Unlock()
	err := l.codec.WriteCommand(l.bw, cmd)
	if l.writers.Add(-1) == 0 && err == nil {
		err = l.bw.Flush()
	}
	if err != nil {
		if errors.Is(err, wire.ErrFrameTooLarge) || errors.Is(err, wire.ErrUnsupported) || errors.Is(err, wire.ErrStringTooLong) {
			// Nothing reached the wire (the codec rolls its cache back);
			// the link is still usable.
			return fmt.Errorf("encode %s: %w", wire.TypeName(cmd.DataStructureType()), err)
		}
		l.close(fmt.Errorf("write %s: %w", wire.TypeName(cmd.DataStructureType()), err))
		return l.err
	}
	l.wrote.Store(true)
	return nil
}

// close shuts the socket; err is the reason reported to the Conn.
func (l *link) close(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.done)
		l.nc.Close()
	})
}

// readLoop decodes frames and hands them to handle until the link fails.
func (l *link) readLoop(handle func(*link, wire.Command)) error {
	for {
		cmd, err := l.codec.ReadCommand(l.br)
		if err != nil {
			l.close(fmt.Errorf("read: %w", err))
			return l.err
		}
		l.read.Store(true)
		handle(l, cmd)
	}
}

// monitor runs the inactivity monitor of openwire.md §7: a KeepAliveInfo
// after a third of the negotiated read timeout without writes, and the
// link fails when nothing arrived for a whole timeout.
func (l *link) monitor() {
	r := l.format.MaxInactivityDuration
	if r <= 0 {
		return
	}
	select {
	case <-l.done:
		return
	case <-time.After(l.format.MaxInactivityDurationInitialDelay):
	}
	l.read.Store(true) // the initial delay counts as activity
	writeTick := time.NewTicker(r / 3)
	defer writeTick.Stop()
	readTick := time.NewTicker(r)
	defer readTick.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-writeTick.C:
			if !l.wrote.Swap(false) {
				l.write(&wire.KeepAliveInfo{})
				l.wrote.Store(false)
			}
		case <-readTick.C:
			if !l.read.Swap(false) {
				l.close(fmt.Errorf("broker was inactive for more than %v", r))
				return
			}
		}
	}
}
