package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// barHeight measures the height of the bar of colour c whose left edge
// is the first column of that colour at or right of x, in the panel row
// starting at y0.
func barHeight(t *testing.T, img image.Image, x, y0 int, c color.RGBA) int {
	t.Helper()
	base := y0 + 40 + 14 + plotH - 1
	for ; x < img.Bounds().Dx(); x++ {
		if img.At(x, base) == c {
			h := 0
			for y := base; y > y0 && img.At(x, y) == c; y-- {
				h++
			}
			return h
		}
	}
	t.Fatalf("no bar of colour %v from x=%d", c, x)
	return 0
}

func TestChartScalesEachGroupToItsLargestBar(t *testing.T) {
	rep := &Report{Rows: []Row{
		{Scenario: "small-transient", Protocol: "amqp", Broker: "junction", Consumed: 40000, P99: 1000},
		{Scenario: "small-transient", Protocol: "amqp", Broker: "rabbitmq", Consumed: 20000, P99: 4000},
		{Scenario: "persistent-confirms", Protocol: "amqp", Broker: "junction", Consumed: 100, P99: 10},
		{Scenario: "persistent-confirms", Protocol: "amqp", Broker: "rabbitmq", Consumed: 400, P99: 10},
	}}
	img, err := png.Decode(bytes.NewReader(renderChart(rep)))
	if err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	rows := chartRows(rep)
	if len(rows) != 1 || len(rows[0].scenarios) != 2 || len(rows[0].brokers) != 2 {
		t.Fatalf("chart rows %+v: want one protocol, two scenarios, two brokers", rows)
	}
	pw := panelWidth(rows)
	if b := img.Bounds(); b.Dx() != 2*pw || b.Dy() != headerH+rowH {
		t.Fatalf("chart is %v, want %dx%d", b, 2*pw, headerH+rowH)
	}
	j, r := brokerInk["junction"], brokerInk["rabbitmq"]
	quarter := int(plotH/4.0 + 0.5)
	// Throughput panel: first group Junction full, RabbitMQ half.
	if h := barHeight(t, img, 0, headerH, j); h != plotH {
		t.Errorf("Junction 16 B bar %d px, want %d", h, plotH)
	}
	if h := barHeight(t, img, 0, headerH, r); h != plotH/2 {
		t.Errorf("RabbitMQ 16 B bar %d px, want %d", h, plotH/2)
	}
	// Second group: RabbitMQ is the largest there.
	second := panelMargin + max(2*(barW+barGap)-barGap, 44) + barGap + groupGap
	if h := barHeight(t, img, second, headerH, j); h != quarter {
		t.Errorf("Junction persistent bar %d px, want %d", h, quarter)
	}
	// Latency panel (right half): RabbitMQ's p99 is four times Junction's.
	if h := barHeight(t, img, pw, headerH, r); h != plotH {
		t.Errorf("RabbitMQ p99 bar %d px, want %d", h, plotH)
	}
	if h := barHeight(t, img, pw, headerH, j); h != quarter {
		t.Errorf("Junction p99 bar %d px, want %d", h, quarter)
	}
}

func TestChartWithoutFlowFiguresStillRenders(t *testing.T) {
	b := renderChart(&Report{Rows: []Row{{Scenario: "restart", Broker: "junction", FirstS: 1}}})
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("empty chart is not a PNG: %v", err)
	}
}

func TestValueLabelsFitFiveCharacters(t *testing.T) {
	for v, want := range map[float64]string{950: "950", 35240: "35.2K", 352400: "352K", 1234567: "1.23M"} {
		if got := rateLabel(v); got != want || len(got) > 5 {
			t.Errorf("rateLabel(%v) = %q, want %q", v, got, want)
		}
	}
	for us, want := range map[float64]string{850: "850US", 1340: "1.3MS", 98000: "98MS", 2.1e6: "2.1S"} {
		if got := latencyLabel(us); got != want || len(got) > 5 {
			t.Errorf("latencyLabel(%v) = %q, want %q", us, got, want)
		}
	}
}

func TestEveryGlyphIsFiveBySeven(t *testing.T) {
	for r, g := range glyphs {
		for i, line := range g {
			if len(line) != glyphW {
				t.Errorf("glyph %q row %d is %d wide", r, i, len(line))
			}
		}
	}
}
