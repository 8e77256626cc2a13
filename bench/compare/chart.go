package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
)

// The chart has one row per protocol and load generator (OpenWire has
// two: JmsPerf and junction-perf, so a bar is only ever beside bars of the
// same client) and two panels per row: consumed msgs/s and p99 latency,
// one group of bars per flow scenario, one bar per broker. Figures differ by orders of magnitude between scenarios, so each
// group is scaled to its own largest bar and every bar carries its figure.

var (
	white     = color.RGBA{255, 255, 255, 255}
	ink       = color.RGBA{40, 40, 40, 255}
	grey      = color.RGBA{170, 170, 170, 255}
	warnRed   = color.RGBA{200, 30, 30, 255}
	brokerInk = map[string]color.RGBA{
		"junction": {31, 119, 180, 255},
		"rabbitmq": {255, 127, 14, 255},
		"activemq": {44, 160, 44, 255},
	}
	brokerOrder = []string{"junction", "rabbitmq", "activemq"}
	shortName   = map[string]string{
		"small-transient": "16 B", "kb-transient": "1 KB", "four-queues": "4 Q",
		"persistent-confirms": "PERSIST", "fanout": "FAN 10", "fixed-rate-latency": "10K/S",
	}
)

const (
	barW, barGap, groupGap = 30, 4, 18
	plotH                  = 150
	panelMargin            = 24
	headerH                = 64
	rowH                   = 40 + 14 + plotH + 24
)

// chartRow is the figures of one protocol under one load generator:
// values[scenario][broker].
type chartRow struct {
	protocol, client string
	// label names the row: the protocol, and the load generator's short
	// name when the protocol has more than one in the report.
	label     string
	brokers   []string
	scenarios []string
	rate, p99 map[string]map[string]float64
}

// flowClients lists, per protocol, the load generators of its flow rows
// in the order they first appear.
func flowClients(rows []Row) map[string][]string {
	flow := map[string]bool{}
	for _, s := range scenarios() {
		flow[s.Key] = s.Kind == "flow"
	}
	out := map[string][]string{}
	for _, r := range rows {
		if flow[r.Scenario] && !slices.Contains(out[r.Protocol], r.Client) {
			out[r.Protocol] = append(out[r.Protocol], r.Client)
		}
	}
	return out
}

// chartClientNames are the chart's names of load generators whose name
// without its detail would not tell them apart: both AMQP clients run in
// junction-perf.
var chartClientNames = map[string]string{
	amqpPerfName:     "amqp091-go",
	amqpLeanPerfName: "lean client",
}

// shortClient is a load generator's name without its parenthesised
// detail: "JmsPerf", "junction-perf"; for the AMQP clients, the client
// library that tells them apart.
func shortClient(name string) string {
	if short, ok := chartClientNames[name]; ok {
		return short
	}
	short, _, _ := strings.Cut(name, " (")
	return short
}

func chartRows(rep *Report) []chartRow {
	var rows []chartRow
	clients := flowClients(rep.Rows)
	for _, p := range protocolOrder {
		for _, c := range clients[p] {
			if cr, ok := chartRowOf(rep.Rows, p, c, len(clients[p]) > 1); ok {
				rows = append(rows, cr)
			}
		}
	}
	return rows
}

// chartRowOf collects the flow figures of protocol p under client c. A
// scenario whose rows c skipped entirely (a mode it lacks) gets no
// group; one that failed keeps its group with "n/a" bars.
func chartRowOf(all []Row, p, c string, nameClient bool) (chartRow, bool) {
	cr := chartRow{protocol: p, client: c, label: protocolTitle[p],
		rate: map[string]map[string]float64{}, p99: map[string]map[string]float64{}}
	if nameClient {
		cr.label += " (" + shortClient(c) + ")"
	}
	for _, s := range scenarios() {
		if s.Kind != "flow" {
			continue
		}
		for _, r := range all {
			if r.Scenario != s.Key || r.Protocol != p || r.Client != c || r.Skipped != "" {
				continue
			}
			if !slices.Contains(cr.scenarios, s.Key) {
				cr.scenarios = append(cr.scenarios, s.Key)
				cr.rate[s.Key], cr.p99[s.Key] = map[string]float64{}, map[string]float64{}
			}
			if !slices.Contains(cr.brokers, r.Broker) {
				cr.brokers = append(cr.brokers, r.Broker)
			}
			if r.Err == "" {
				cr.rate[s.Key][r.Broker], cr.p99[s.Key][r.Broker] = r.Consumed, r.P99
			}
		}
	}
	slices.SortFunc(cr.brokers, func(a, b string) int { return slices.Index(brokerOrder, a) - slices.Index(brokerOrder, b) })
	return cr, len(cr.scenarios) > 0
}

const (
	rateTitle    = ": consumed msg/s"
	latencyTitle = ": p99 latency"
)

// panelWidth fits the widest row's bar groups and its longest title.
func panelWidth(rows []chartRow) int {
	w := 0
	for _, r := range rows {
		w = max(w, len(r.scenarios)*(max(len(r.brokers)*(barW+barGap)-barGap, 44)+barGap+groupGap),
			textWidth(r.label+rateTitle, 2), textWidth(r.label+latencyTitle, 2))
	}
	return max(w+2*panelMargin, 420)
}

// renderChart draws the PNG; a report without flow figures gets a small
// image saying so.
func renderChart(rep *Report) []byte {
	rows := chartRows(rep)
	pw := panelWidth(rows)
	img := image.NewRGBA(image.Rect(0, 0, 2*pw, headerH+max(len(rows), 1)*rowH))
	fillRect(img, 0, 0, img.Bounds().Dx(), img.Bounds().Dy(), white)
	x := panelMargin
	for _, b := range brokerOrder {
		fillRect(img, x, 10, 14, 14, brokerInk[b])
		drawText(img, x+20, 10, brokerTitle[b], 2, ink)
		x += 20 + textWidth(brokerTitle[b], 2) + 30
	}
	if rep.Quick {
		drawText(img, x+10, 10, "smoke run: not representative", 2, warnRed)
	}
	drawText(img, panelMargin, 36, "bars scaled to the largest of each group, figures on the bars, tables in the report beside this chart", 1, ink)
	if len(rows) == 0 {
		drawText(img, panelMargin, headerH+20, "no throughput or latency figures in this run", 2, ink)
	}
	for i, r := range rows {
		y := headerH + i*rowH
		drawPanel(img, 0, y, pw, r.label+rateTitle, r, r.rate, rateLabel)
		drawPanel(img, pw, y, pw, r.label+latencyTitle, r, r.p99, latencyLabel)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory cannot fail
	return buf.Bytes()
}

func drawPanel(img *image.RGBA, x0, y0, w int, title string, r chartRow, vals map[string]map[string]float64, label func(float64) string) {
	drawText(img, x0+panelMargin, y0+8, title, 2, ink)
	base := y0 + 40 + 14 + plotH
	fillRect(img, x0+panelMargin-4, base, w-2*panelMargin+8, 1, grey)
	x := x0 + panelMargin
	gw := max(len(r.brokers)*(barW+barGap)-barGap, 44)
	for _, s := range r.scenarios {
		top := 0.0
		for _, v := range vals[s] {
			top = max(top, v)
		}
		for j, b := range r.brokers {
			bx := x + j*(barW+barGap)
			v, ok := vals[s][b]
			if !ok || v <= 0 || top <= 0 {
				drawText(img, bx+(barW-textWidth("n/a", 1))/2, base-10, "n/a", 1, grey)
				continue
			}
			h := max(int(v/top*plotH+0.5), 1)
			fillRect(img, bx, base-h, barW, h, brokerInk[b])
			l := label(v)
			drawText(img, bx+(barW-textWidth(l, 1))/2, base-h-10, l, 1, ink)
		}
		name := shortName[s]
		drawText(img, x+(gw-textWidth(name, 1))/2, base+8, name, 1, ink)
		x += gw + barGap + groupGap
	}
}

// rateLabel is a msgs/s figure in at most five characters.
func rateLabel(v float64) string {
	switch {
	case v < 1000:
		return fmt.Sprintf("%.0f", v)
	case v < 100e3:
		return fmt.Sprintf("%.1fK", v/1e3)
	case v < 1e6:
		return fmt.Sprintf("%.0fK", v/1e3)
	}
	return fmt.Sprintf("%.2fM", v/1e6)
}

// latencyLabel is a latency in µs in at most five characters.
func latencyLabel(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.0fUS", us)
	case us < 10e3:
		return fmt.Sprintf("%.1fMS", us/1e3)
	case us < 1e6:
		return fmt.Sprintf("%.0fMS", us/1e3)
	}
	return fmt.Sprintf("%.1fS", us/1e6)
}
