package servertest

// HTTPURL returns the management listener's base URL, such as
// "http://127.0.0.1:41234". Turn the listener on in Start's mutate with
// c.Listeners.HTTP = "127.0.0.1:0".
func (b *Broker) HTTPURL() string {
	a := b.Addr("http")
	if a == nil {
		panic("servertest: HTTP listener is off")
	}
	return "http://" + a.String()
}
