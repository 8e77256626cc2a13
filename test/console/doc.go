// Package console tests Junction's web console end to end: a broker runs
// in-process, headless Chromium (driven by playwright-core from npm) logs
// in to the console, and the test checks on the broker, with a real AMQP
// client, that what was clicked happened.
package console
