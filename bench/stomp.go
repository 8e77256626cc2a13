package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-stomp/stomp/v3/frame"
)

func init() { Drivers["stomp"] = stompDriver{} }

// stompDriver speaks STOMP 1.2 to any broker that takes the common
// conventions: /queue/NAME for queues, /topic/NAME for fan-out,
// persistent:true for persistent messages, RECEIPT as the publisher-confirm
// analogue, and prefetch through prefetch-count (RabbitMQ, Junction) and
// activemq.prefetchSize (ActiveMQ, Junction).
//
// It frames with go-stomp's frame package over its own connection rather
// than go-stomp's Conn, because Conn.Send holds a lock until its receipt
// arrives (so at most one receipt could be outstanding, where the confirm
// window needs N) and Conn.Subscribe cannot ask for a receipt (so a
// consumer could not know its subscription is in place before producers
// start, and a fan-out run would lose its first messages).
//
// URLs look like stomp://guest:guest@127.0.0.1:61613/ ; the path, if any,
// is the virtual host sent in the host header (default "/").
type stompDriver struct{}

// stompConn is one STOMP connection: frames are written synchronously (and
// flushed) by one goroutine at a time, read by another.
type stompConn struct {
	nc   net.Conn
	r    *frame.Reader
	w    *frame.Writer
	wmu  sync.Mutex
	stop func() bool
}

func (stompDriver) destination(o *Options, id int) string {
	if o.Fanout {
		return "/topic/" + o.QueuePrefix + "-fanout"
	}
	return fmt.Sprintf("/queue/%s-%d", o.QueuePrefix, id%o.Queues)
}

// dialSTOMP connects and completes the CONNECT/CONNECTED exchange with
// heart-beats off, so idle connections cost the broker nothing but the
// connection itself. The connection closes when ctx ends.
func dialSTOMP(ctx context.Context, rawURL string) (*stompConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("stomp url %q: %w", rawURL, err)
	}
	if u.Scheme != "stomp" && u.Scheme != "tcp" {
		return nil, fmt.Errorf("stomp url %q: scheme must be stomp:// or tcp://", rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "61613")
	}
	login, passcode := "guest", "guest"
	if u.User != nil {
		login = u.User.Username()
		if p, ok := u.User.Password(); ok {
			passcode = p
		}
	}
	vhost := strings.TrimPrefix(u.Path, "/")
	if vhost == "" {
		vhost = "/"
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("stomp dial %s: %w", host, err)
	}
	c := &stompConn{nc: nc, r: frame.NewReader(nc), w: frame.NewWriter(nc)}
	c.stop = context.AfterFunc(ctx, func() { nc.Close() })
	connect := frame.New(frame.CONNECT,
		frame.AcceptVersion, "1.2", frame.Host, vhost,
		frame.Login, login, frame.Passcode, passcode, frame.HeartBeat, "0,0")
	if err := c.write(connect); err != nil {
		c.close()
		return nil, fmt.Errorf("stomp connect to %s: %w", host, err)
	}
	f, err := c.read()
	if err != nil {
		c.close()
		return nil, fmt.Errorf("stomp connect to %s: %w", host, err)
	}
	if f.Command != frame.CONNECTED {
		c.close()
		return nil, fmt.Errorf("stomp connect to %s: %w", host, frameError(f))
	}
	return c, nil
}

func (c *stompConn) write(f *frame.Frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.w.Write(f)
}

// read returns the next frame, skipping heart-beat newlines.
func (c *stompConn) read() (*frame.Frame, error) {
	for {
		f, err := c.r.Read()
		if err != nil {
			return nil, err
		}
		if f != nil {
			return f, nil
		}
	}
}

func (c *stompConn) close() {
	c.stop()
	c.nc.Close()
}

// frameError describes an unexpected frame, usually an ERROR.
func frameError(f *frame.Frame) error {
	if f.Command == frame.ERROR {
		msg := f.Header.Get(frame.Message)
		if body := strings.TrimSpace(string(f.Body)); body != "" {
			msg += ": " + body
		}
		return fmt.Errorf("broker sent ERROR: %s", msg)
	}
	return fmt.Errorf("unexpected %s frame", f.Command)
}

// Setup only checks that the broker accepts a STOMP connection: /queue/
// destinations are created by the broker on first use, and a /topic/
// subscription makes its own queue.
func (stompDriver) Setup(ctx context.Context, o *Options) error {
	c, err := dialSTOMP(ctx, o.URL)
	if err != nil {
		return err
	}
	c.close()
	return nil
}

// Teardown does nothing: STOMP has no way to delete a queue, so the
// compare program runs every case on a fresh broker.
func (stompDriver) Teardown(*Options) error { return nil }

// Produce sends SEND frames; with o.Confirm > 0 each asks for a receipt
// and at most o.Confirm may be unanswered, and a message counts as sent
// when its receipt arrives. Receipts are counted, not matched, since a
// broker answers a connection's frames in order.
func (d stompDriver) Produce(ctx context.Context, o *Options, id int, next func() []byte, sent func()) error {
	c, err := dialSTOMP(ctx, o.URL)
	if err != nil {
		return err
	}
	defer c.close()
	dest := d.destination(o, id)
	send := frame.New(frame.SEND, frame.Destination, dest,
		frame.ContentLength, strconv.Itoa(o.Size))
	if o.Persistent {
		send.Header.Add("persistent", "true")
	}
	var window chan struct{}
	if o.Confirm > 0 {
		window = make(chan struct{}, o.Confirm)
		send.Header.Add(frame.Receipt, "")
	}
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := c.read()
			if err != nil {
				readErr <- err
				return
			}
			if f.Command != frame.RECEIPT || window == nil {
				readErr <- frameError(f)
				return
			}
			<-window
			sent()
		}
	}()
	fail := func(err error) error {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("stomp producer %d on %s: %w", id, dest, err)
	}
	for n := 0; o.Count == 0 || n < o.Count; n++ {
		body := next()
		if body == nil || ctx.Err() != nil {
			return nil
		}
		if window != nil {
			select {
			case window <- struct{}{}:
			case err := <-readErr:
				return fail(err)
			case <-ctx.Done():
				return nil
			}
			send.Header.Set(frame.Receipt, strconv.Itoa(n))
		}
		send.Body = body
		// The writer has flushed the body to the socket when Write
		// returns, so next may reuse its buffer.
		if err := c.write(send); err != nil {
			// A broker that refuses a SEND says why in an ERROR frame
			// before it closes the socket; that beats "broken pipe".
			select {
			case rerr := <-readErr:
				return fail(rerr)
			case <-time.After(100 * time.Millisecond):
				return fail(err)
			}
		}
		if window == nil {
			sent()
		}
	}
	if window == nil {
		return nil
	}
	for len(window) > 0 {
		select {
		case err := <-readErr:
			return fail(err)
		case <-ctx.Done():
			return nil
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}

// Consume subscribes with ack auto (o.AutoAck), client (cumulative, every
// o.MultiAck messages) or client-individual, and a receipt, so that ready
// is called once the broker has the subscription.
func (d stompDriver) Consume(ctx context.Context, o *Options, id int, ready func(), got func([]byte)) error {
	var once sync.Once
	markReady := func() { once.Do(ready) }
	defer markReady()
	c, err := dialSTOMP(ctx, o.URL)
	if err != nil {
		return err
	}
	defer c.close()
	ack := "client-individual"
	switch {
	case o.AutoAck:
		ack = "auto"
	case o.MultiAck > 1:
		ack = "client"
	}
	dest := d.destination(o, id)
	sub := frame.New(frame.SUBSCRIBE, frame.Id, "0", frame.Destination, dest,
		frame.Ack, ack, frame.Receipt, "subscribed")
	if o.Prefetch > 0 {
		n := strconv.Itoa(o.Prefetch)
		sub.Header.Add("prefetch-count", n)
		sub.Header.Add("activemq.prefetchSize", n)
	}
	fail := func(err error) error {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("stomp consumer %d on %s: %w", id, dest, err)
	}
	if err := c.write(sub); err != nil {
		return fail(err)
	}
	ackFrame := frame.New(frame.ACK, frame.Id, "")
	n := 0
	for {
		f, err := c.read()
		if err != nil {
			return fail(err)
		}
		switch f.Command {
		case frame.RECEIPT:
			markReady()
		case frame.MESSAGE:
			got(f.Body)
			if ack == "auto" {
				continue
			}
			if n++; n%o.MultiAck != 0 {
				continue
			}
			// STOMP 1.2 acknowledges by the MESSAGE's ack header.
			ackID, ok := f.Header.Contains(frame.Ack)
			if !ok {
				return fail(errors.New("MESSAGE without an ack header"))
			}
			ackFrame.Header.Set(frame.Id, ackID)
			if err := c.write(ackFrame); err != nil {
				return fail(err)
			}
		default:
			return fail(frameError(f))
		}
	}
}

// Idle holds a connection open, heart-beats off, until ctx ends.
func (stompDriver) Idle(ctx context.Context, o *Options) error {
	c, err := dialSTOMP(ctx, o.URL)
	if err != nil {
		return err
	}
	defer c.close()
	<-ctx.Done()
	return nil
}
