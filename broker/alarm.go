package broker

import (
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Resource alarms (memory high watermark, low disk) stop publishers in
// every protocol: AMQP sends connection.blocked and stops reading from
// publishing connections, OpenWire and STOMP stop reading. The core only
// keeps the state and tells subscribers.
type alarms struct {
	mu     sync.Mutex
	active map[string]bool
	// raised mirrors len(active) > 0 so that Blocked, asked on every
	// publish, needs no broker-wide lock while nothing is raised.
	raised atomic.Bool
	subs   map[int]func(blocked bool, reason string)
	nextID int
	// cleared is closed and replaced whenever the last alarm clears, so
	// blocked publishers can wait on it.
	cleared chan struct{}
}

// SetAlarm raises or clears a named alarm ("memory", "disk").
func (b *Broker) SetAlarm(name string, on bool) {
	a := &b.alarms
	a.mu.Lock()
	if a.active == nil {
		a.active = map[string]bool{}
	}
	if a.active[name] == on {
		a.mu.Unlock()
		return
	}
	was := len(a.active) > 0
	if on {
		a.active[name] = true
	} else {
		delete(a.active, name)
	}
	now := len(a.active) > 0
	a.raised.Store(now)
	reason := a.reasonLocked()
	subs := make([]func(bool, string), 0, len(a.subs))
	for _, f := range a.subs {
		subs = append(subs, f)
	}
	if was && !now && a.cleared != nil {
		close(a.cleared)
		a.cleared = nil
	}
	a.mu.Unlock()
	if on {
		b.logger.Warn("resource alarm raised; blocking publishers", "alarm", name)
	} else {
		b.logger.Info("resource alarm cleared", "alarm", name)
	}
	if was != now {
		for _, f := range subs {
			f(now, reason)
		}
	}
}

func (a *alarms) reasonLocked() string {
	names := make([]string, 0, len(a.active))
	for n := range a.active {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		switch n {
		case "memory":
			parts[i] = "low on memory"
		case "disk":
			parts[i] = "low on disk"
		default:
			parts[i] = n
		}
	}
	return strings.Join(parts, " & ")
}

// Blocked reports whether publishers must wait, and a channel closed when
// they may continue (nil if not blocked).
func (b *Broker) Blocked() (reason string, wait <-chan struct{}) {
	a := &b.alarms
	if !a.raised.Load() {
		return "", nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.active) == 0 {
		return "", nil
	}
	if a.cleared == nil {
		a.cleared = make(chan struct{})
	}
	return a.reasonLocked(), a.cleared
}

// OnAlarm registers fn to hear when publishers become blocked or
// unblocked. The returned function unregisters it.
func (b *Broker) OnAlarm(fn func(blocked bool, reason string)) func() {
	a := &b.alarms
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.subs == nil {
		a.subs = map[int]func(bool, string){}
	}
	a.nextID++
	id := a.nextID
	a.subs[id] = fn
	return func() {
		a.mu.Lock()
		delete(a.subs, id)
		a.mu.Unlock()
	}
}

// Limits configure the resource monitors.
type Limits struct {
	// MemoryHighWatermark is the heap size (bytes) above which the memory
	// alarm is raised; 0 disables it.
	MemoryHighWatermark uint64
	// DiskFreeLimit raises the disk alarm when the data directory's file
	// system has less free space (bytes); 0 disables it.
	DiskFreeLimit uint64
	DataDir       string
	Interval      time.Duration
}

// Monitor samples memory and disk use until stop is closed, raising and
// clearing the alarms.
func (b *Broker) Monitor(l Limits, stop <-chan struct{}) {
	if l.Interval == 0 {
		l.Interval = time.Second
	}
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	for {
		if l.MemoryHighWatermark > 0 {
			metrics.Read(sample)
			used := sample[0].Value.Uint64() - sample[1].Value.Uint64()
			b.SetAlarm("memory", used > l.MemoryHighWatermark)
		}
		if l.DiskFreeLimit > 0 && l.DataDir != "" {
			var st syscall.Statfs_t
			if err := syscall.Statfs(l.DataDir, &st); err == nil {
				free := st.Bavail * uint64(st.Bsize)
				b.SetAlarm("disk", free < l.DiskFreeLimit)
			}
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
