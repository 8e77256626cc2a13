package amqp

import "sort"

// ChannelInfo describes one open channel for management.
type ChannelInfo struct {
	Connection string // the connection's name
	Number     uint16
	// ConsumerTags are the channel's consumers, so that management can
	// tell which channel a broker.Consumer belongs to.
	ConsumerTags []string
	Unacked      int
	ChannelSettings
}

// ChannelSettings are what a client chose for its channel: basic.qos
// prefetch counts (per consumer, and global when the client asked for a
// shared limit), publisher confirms and transactions.
type ChannelSettings struct {
	PrefetchCount       int
	GlobalPrefetchCount int
	Confirm             bool
	Transactional       bool
}

// Channels returns a snapshot of every open channel, by connection name
// then number. Only state guarded by locks is read: the rest of a channel
// belongs to its connection's reader goroutine.
func (s *Server) Channels() []ChannelInfo {
	conns := s.conns.All()
	var out []ChannelInfo
	for _, c := range conns {
		c.chMu.Lock()
		chans := make([]*channel, 0, len(c.channels))
		for _, ch := range c.channels {
			chans = append(chans, ch)
		}
		c.chMu.Unlock()
		for _, ch := range chans {
			ci := ChannelInfo{Connection: c.name, Number: ch.id}
			ch.mu.Lock()
			for tag := range ch.consumers {
				ci.ConsumerTags = append(ci.ConsumerTags, tag)
			}
			ci.Unacked = ch.unacked.count
			ci.ChannelSettings = ch.settings
			ch.mu.Unlock()
			sort.Strings(ci.ConsumerTags)
			out = append(out, ci)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Connection != out[j].Connection {
			return out[i].Connection < out[j].Connection
		}
		return out[i].Number < out[j].Number
	})
	return out
}
