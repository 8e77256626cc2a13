// Package crash kills a Junction broker with SIGKILL at random moments under
// load and checks what it recovers against a ledger the clients keep: no
// confirmed message lost, none duplicated, none invented, acknowledged ones
// back only as redeliveries. It also tears the newest journal segment after
// a kill (truncation, garbage, flipped bytes) and checks that the broker
// starts and recovers exactly the intact prefix. See README.md.
//
// Subpackage junctionproc runs the junction binary as a child process; the
// durability suite and the persistence benchmarks use it too.
package crash
