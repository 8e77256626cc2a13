// Package jms is Junction's JMS compatibility suite. The scenarios are a Java
// program (java/*.java) that uses the unchanged ActiveMQ 5.17 client from
// Debian's libactivemq-java; the Go test in this directory compiles it, starts
// the broker under test and turns each scenario's verdict into a subtest.
//
// The same scenarios run against a real ActiveMQ 5.17 (JMS_TEST_ACTIVEMQ=1)
// to prove that each expectation is what ActiveMQ does; see README.md.
package jms
