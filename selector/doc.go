// Package selector compiles and evaluates JMS message selectors (JMS 1.1
// and 2.0 §3.8) exactly as ActiveMQ 5.17 does, so that consumers moving
// from ActiveMQ see the same messages. Every behaviour below was checked
// against ActiveMQ's own implementation: testdata/activemq_verdicts.txt
// holds its verdicts for the cases in testdata/cases.txt and the tests
// require this package to agree with each one (see java_test.go to
// regenerate it, and knownDivergences in golden_test.go for the few
// deliberate exceptions).
//
// Parse compiles once per consumer; Selector.Matches then runs per message
// without allocating, reading identifiers through the broker's Source.
//
// # Syntax
//
// Keywords (NOT AND OR BETWEEN LIKE ESCAPE IN IS TRUE FALSE NULL, plus the
// reserved XPATH and XQUERY) are case-insensitive; identifiers are
// case-sensitive and, unlike the JMS specification's Java identifiers, ASCII
// only: a letter, '_' or '$', then letters, digits, '_' or '$'. Whitespace is
// space, tab, CR, LF and form feed; "/* */" comments and "--" comments ended
// by a line break are skipped. A "--" with no line break after it is two
// minus signs ("a = 1 -- x" means a = 1 - (-x)).
//
// Literals: strings in single quotes, where a doubled quote stands for
// one quote; integers in decimal (an L suffix is allowed and changes
// nothing), hex (0x1F) or octal (017, and 0 itself), typed int if they fit
// and long otherwise; a decimal integer beyond the long range keeps only
// its low 64 bits when used as a number (ActiveMQ's BigDecimal
// narrowing); approximate numbers 1.5, .5, 7., 1e10, 2.3E-4 (double, no
// F/D suffix); TRUE, FALSE and NULL. A sign is the unary operator, not
// part of the literal.
//
// Precedence, loosest first — this is ActiveMQ's grammar, which differs from
// the JMS specification in where NOT and the equality operators sit:
//
//	OR
//	AND
//	=  <>  IS [NOT] NULL                          (chain left to right)
//	<  <=  >  >=  [NOT] LIKE  [NOT] BETWEEN  [NOT] IN
//	+  -        (binary)
//	*  /  %
//	+  -  NOT   (unary)
//
// So "NOT a = 'x'" is "(NOT a) = 'x'", which is never TRUE for a string a;
// write "NOT (a = 'x')". "NOT a > 5", "NOT a IN (...)" and "NOT a BETWEEN
// ..." are rejected at parse time, as in ActiveMQ.
//
// Parse-time checks (ActiveMQ's): the whole selector, and every operand of
// AND, OR and NOT, must be a condition or a bare identifier (a bare
// identifier is TRUE only when its value is the boolean true); "1" or
// "a + 1" is not a selector. NULL may not appear beside = or <> (use IS
// NULL). <, <=, >, >= and BETWEEN reject string and boolean literals and
// conditions as operands. IN needs an identifier on its left and string
// literals in its list. LIKE needs a string literal pattern and an ESCAPE
// of exactly one character.
//
// # Evaluation
//
// Values have Java classes: Byte, Short, Integer, Long, Float, Double,
// String, Boolean (see Source for how Go types map). Absent identifiers are
// NULL. A condition evaluates to TRUE, FALSE or UNKNOWN; Matches is true
// only for TRUE. AND, OR and NOT use the SQL three-valued tables (FALSE AND
// UNKNOWN is FALSE, TRUE OR UNKNOWN is TRUE, NOT UNKNOWN is UNKNOWN).
//
// Where ActiveMQ departs from the specification, this package follows it:
//
//   - Comparing different kinds (string with number, boolean with number)
//     is FALSE, not UNKNOWN, so NOT of it is TRUE.
//   - Numeric promotion is asymmetric: only the left operand is widened.
//     A Byte on the right compares only with a Byte on the left, a Short
//     on the right only with a Byte or Short; anything wider on the left
//     gives FALSE. So prop = 5 works for a Short prop but 5 = prop is
//     FALSE. Integer and Long on the right compare with any numeric kind
//     (long vs float compares as floats). A Double on the left of a Float
//     fails outright (no match), while Float vs Double compares as
//     doubles.
//   - = on NULLs: NULL = NULL (two absent identifiers) is TRUE; 'x' = a
//     with a absent is FALSE (so 'x' <> a is TRUE); a = 'x' is UNKNOWN.
//     IS NULL and IS NOT NULL are never UNKNOWN.
//   - Two string operands may be ordered with <, >, BETWEEN (by UTF-16
//     code units, like String.compareTo), and so may two booleans
//     (FALSE < TRUE); only literals are rejected at parse time.
//   - Doubles compare like Double.compareTo: NaN equals NaN and is greater
//     than everything, and -0.0 < 0.0 (so -0.0 = 0 is FALSE).
//   - Arithmetic: / and % always compute in double (7 / 2 = 3.5, x / 0 is
//     Infinity or NaN); + - * compute in double if either side is Float or
//     Double, else in long if either is Long, else in 32-bit int, wrapping
//     on overflow (2147483647 + 1 = -2147483648). + with a string on the
//     left concatenates ('a' + 1 = 'a1'). Arithmetic on any other
//     non-number fails (no match); unary minus of a string or boolean is
//     NULL, and of a Byte or Short fails.
//   - LIKE on a non-string is FALSE (NOT LIKE is TRUE); IN on a non-string
//     is UNKNOWN. '_' matches one code point, '%' any run, matching is
//     case-sensitive and spans line breaks. An escape character escapes
//     only '_', '%' or itself; elsewhere it is an ordinary character.
//   - XQUERY 'expr' parses and is always FALSE.
//
// An evaluation that ActiveMQ aborts with an exception (such as 1 + 'a')
// does not match, and NOT or OR around it do not rescue it, unless a
// preceding operand already decided an AND or OR.
//
// # String conversion (STOMP)
//
// ActiveMQ's STOMP transport compiles subscription selectors with a
// "convert_string_expressions:" prefix (ConvertPrefix), under which a
// comparison (=, <>, <, <=, >, >=, BETWEEN) between a string and a number
// or boolean first converts the string with Java's valueOf ('10' > 9 is
// TRUE; an unparsable string compares FALSE). Parse honours the prefix;
// ParseWithOptions takes Options.ConvertStrings instead. The Junction STOMP
// front end should enable it to behave like ActiveMQ.
//
// # Header identifiers
//
// ActiveMQ resolves these names from message headers, ignoring a property
// of the same name; the broker's Source must return:
//
//	JMSDestination            string "queue://name", "topic://name",
//	                          "temp-queue://id", "temp-topic://id" (the
//	                          original destination if the message was
//	                          redirected), or nil
//	JMSReplyTo                string in the same form, or nil
//	JMSType                   string, or nil
//	JMSDeliveryMode           string "PERSISTENT" or "NON_PERSISTENT"
//	JMSPriority               int32, 0..9
//	JMSMessageID              string such as "ID:host-1234-5:1:1:1:7", or nil
//	JMSTimestamp              int64, milliseconds (0 if unset)
//	JMSCorrelationID          string, or nil
//	JMSExpiration             int64, milliseconds (0 means never)
//	JMSRedelivered            bool, redelivery counter > 0
//	JMSXDeliveryCount         int32, redelivery counter + 1
//	JMSXGroupID               string, or nil
//	JMSXGroupSeq              int32 (0 if unset)
//	JMSXUserID                string: the authenticated user id if the
//	                          broker stamps one, else the JMSXUserID
//	                          property, else nil
//	JMSXProducerTXID          string transaction id (the original one if
//	                          redirected), or nil
//	JMSActiveMQBrokerInTime   int64 milliseconds (0 if unset)
//	JMSActiveMQBrokerOutTime  int64 milliseconds (0 if unset)
//	JMSActiveMQBrokerPath     string: Java's Arrays.toString of the broker
//	                          path, "null" when there is none
//	JMSXGroupFirstForConsumer bool
//
// Any other name is a message property. Names are case-sensitive.
//
// # Not supported
//
// ActiveMQ's function-call extension (INLIST, MAKELIST, REGEX, REPLACE,
// SPLIT) and XPATH selectors are rejected with a SyntaxError. Nesting is
// limited to 500 levels. When a Float or Double is concatenated to a
// string, the shortest round-trip digits are used; Java 17 occasionally
// prints extra digits (1e23 becomes "9.999999999999999E22" there).
package selector
