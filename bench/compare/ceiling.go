package main

import (
	"fmt"
	"strings"
)

// A ceiling is the most a load generator and Junction together could move
// on this machine: its cores divided by the CPU both spent per consumed
// message in Junction's run. When client and broker share a small machine,
// a client that needs most of the cores caps every ratio, whatever the
// broker does; the report says where that cap is, so a short ratio can be
// read for what it is.
type ceiling struct {
	client      string
	clientUS    float64 // load generator CPU per consumed message, µs
	junctionUS  float64 // Junction's CPU per consumed message, µs
	rate        float64 // cores ÷ (client + Junction) per message, msgs/s
	aloneRate   float64 // cores ÷ the load generator's per message alone
	consumed    float64 // what Junction consumed
	otherRates  []float64
	otherTitles []string
}

// ceilings computes one ceiling per load generator that has a Junction row
// with CPU figures, in table order. cores is the machine's.
func ceilings(rows []Row, cores int) []ceiling {
	if cores <= 0 {
		return nil
	}
	var out []ceiling
	for _, j := range tableOrder(rows) {
		if j.Broker != "junction" || failed(j) != "" || j.Consumed <= 0 || j.ClientCores <= 0 || j.BrokerCores <= 0 {
			continue
		}
		c := ceiling{
			client:     j.Client,
			clientUS:   j.ClientCores / j.Consumed * 1e6,
			junctionUS: j.BrokerCores / j.Consumed * 1e6,
			consumed:   j.Consumed,
		}
		c.rate = float64(cores) * 1e6 / (c.clientUS + c.junctionUS)
		c.aloneRate = float64(cores) * 1e6 / c.clientUS
		for _, o := range tableOrder(rows) {
			if o.Broker == "junction" || o.Protocol != j.Protocol || o.Client != j.Client || failed(o) != "" || o.Consumed <= 0 {
				continue
			}
			c.otherTitles = append(c.otherTitles, brokerTitle[o.Broker])
			c.otherRates = append(c.otherRates, o.Consumed)
		}
		out = append(out, c)
	}
	return out
}

// writeCeilings renders the ceilings of a throughput scenario as a list.
func writeCeilings(b *strings.Builder, rows []Row, cores int) {
	cs := ceilings(rows, cores)
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(b, "\nWhat this machine allows (%d cores ÷ CPU per message in Junction's row):\n\n", cores)
	for _, c := range cs {
		fmt.Fprintf(b, "- %s: %.1f + %.1f µs a message, at most %s msgs/s (the load generator alone: %s); Junction consumed %s, %.0f %% of that",
			c.client, c.clientUS, c.junctionUS, thousands(c.rate), thousands(c.aloneRate), thousands(c.consumed), 100*c.consumed/c.rate)
		var caps []string
		for i, title := range c.otherTitles {
			caps = append(caps, fmt.Sprintf("%s %s at Junction's cost, %s with a broker that cost nothing", title, ratio(c.rate, c.otherRates[i]), ratio(c.aloneRate, c.otherRates[i])))
		}
		if len(caps) > 0 {
			fmt.Fprintf(b, "; so the ratio cannot exceed, against %s", strings.Join(caps, "; against "))
		}
		b.WriteString(".\n")
	}
}
