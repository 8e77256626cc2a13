package wire

import "fmt"

// Throwable is a Java exception as OpenWire carries it (openwire.md §1.9):
// in ExceptionResponse.Exception, ConnectionError.Exception and
// MessageAck.PoisonCause. The Java reader instantiates Class with a String
// constructor when it can, so use real Java class names, e.g.
// "javax.jms.InvalidClientIDException" or "java.lang.SecurityException".
type Throwable struct {
	Class   string
	Message NullString
	// StackTrace and Cause travel only when StackTraceEnabled was
	// negotiated; otherwise they are dropped on write and nil on read.
	StackTrace []StackTraceElement
	Cause      *Throwable
}

// StackTraceElement is one frame of a Java stack trace.
type StackTraceElement struct {
	DeclaringClass string
	MethodName     string
	FileName       NullString
	LineNumber     int32
}

// Error returns "Class: Message", as Java's Throwable.toString does.
func (t *Throwable) Error() string {
	if !t.Message.Valid {
		return t.Class
	}
	return t.Class + ": " + t.Message.Value
}

func (e *encoder) throwable(t *Throwable) {
	e.bool(t != nil)
	if t == nil {
		return
	}
	e.idString(t.Class)
	e.string(t.Message)
	if !e.stackTrace {
		return
	}
	if len(t.StackTrace) > 0x7FFF {
		e.fail(fmt.Errorf("%w: stack trace of %d frames", ErrCount, len(t.StackTrace)))
		return
	}
	e.int16(int16(len(t.StackTrace)))
	for _, f := range t.StackTrace {
		e.idString(f.DeclaringClass)
		e.idString(f.MethodName)
		e.string(f.FileName)
		e.int32(f.LineNumber)
	}
	if e.depth++; e.depth > maxDepth {
		e.fail(ErrTooDeep)
		return
	}
	e.throwable(t.Cause)
	e.depth--
}

func (d *decoder) throwable() *Throwable {
	if !d.bool() || d.err != nil {
		return nil
	}
	t := &Throwable{Class: d.idString(), Message: d.string()}
	if !d.stackTrace {
		return t
	}
	n := int(d.int16())
	// Each frame carries at least its int32 line number.
	if room := (len(d.buf) - d.pos) / 4; n < 0 || n > room {
		d.failf(ErrCount, "stack trace of %d frames with room for %d", n, room)
		return nil
	}
	if n > 0 {
		t.StackTrace = make([]StackTraceElement, n)
		for i := range t.StackTrace {
			f := &t.StackTrace[i]
			f.DeclaringClass = d.idString()
			f.MethodName = d.idString()
			f.FileName = d.string()
			f.LineNumber = d.int32()
		}
	}
	if d.depth++; d.depth > maxDepth {
		d.fail(ErrTooDeep)
		return nil
	}
	t.Cause = d.throwable()
	d.depth--
	if d.err != nil {
		return nil
	}
	return t
}
