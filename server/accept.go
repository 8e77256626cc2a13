package server

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// acceptLoop accepts connections on l and runs handle for each in its own
// goroutine until l is closed. Temporary accept errors (out of file
// descriptors) back off instead of spinning.
func acceptLoop(l net.Listener, log *slog.Logger, wg *sync.WaitGroup, handle func(net.Conn)) error {
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				log.Warn("accept failed; retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			handle(nc)
		}()
	}
}
