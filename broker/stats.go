package broker

import "sort"

// Alarms returns the names of the resource alarms in force ("disk",
// "memory"), sorted; empty when publishers are not blocked.
func (b *Broker) Alarms() []string {
	a := &b.alarms
	a.mu.Lock()
	out := make([]string, 0, len(a.active))
	for name := range a.active {
		out = append(out, name)
	}
	a.mu.Unlock()
	sort.Strings(out)
	return out
}
