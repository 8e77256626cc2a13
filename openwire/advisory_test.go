package openwire_test

import (
	"testing"

	"github.com/junctionmq/junction/openwire/wire"
)

func (r *rawClient) sync(cmd wire.Command, id int32) {
	r.t.Helper()
	cmd.SetCommandId(id)
	cmd.SetResponseRequired(true)
	r.write(cmd)
	for {
		got, err := r.read()
		if err != nil {
			r.t.Fatal(err)
		}
		if resp, ok := got.(*wire.Response); ok && resp.CorrelationId == id {
			return
		}
		if er, ok := got.(*wire.ExceptionResponse); ok && er.CorrelationId == id {
			r.t.Fatalf("command refused: %s: %s", er.Exception.Class, er.Exception.Message.Value)
		}
	}
}

func TestConsumerAdvisoryAnnouncesNewConsumersWithCount(t *testing.T) {
	b := startOpenWire(t)
	watcher := dialRaw(t, b)
	watcher.negotiate()
	watcher.connect("watcher")
	watchID := &wire.ConsumerId{ConnectionId: "ID:raw-watcher", SessionId: 1, Value: 1}
	watcher.write(&wire.SessionInfo{SessionId: &wire.SessionId{ConnectionId: "ID:raw-watcher", Value: 1}})
	watcher.sync(&wire.ConsumerInfo{ConsumerId: watchID, PrefetchSize: 100,
		Destination: &wire.Destination{Kind: wire.Topic, PhysicalName: "ActiveMQ.Advisory.Consumer.Queue.orders"}}, 2)

	worker := dialRaw(t, b)
	worker.negotiate()
	worker.connect("worker")
	worker.write(&wire.SessionInfo{SessionId: &wire.SessionId{ConnectionId: "ID:raw-worker", Value: 1}})
	workerID := &wire.ConsumerId{ConnectionId: "ID:raw-worker", SessionId: 1, Value: 7}
	worker.sync(&wire.ConsumerInfo{ConsumerId: workerID, PrefetchSize: 10,
		Destination: &wire.Destination{Kind: wire.Queue, PhysicalName: "orders"}}, 2)

	for {
		cmd, err := watcher.read()
		if err != nil {
			t.Fatal(err)
		}
		md, ok := cmd.(*wire.MessageDispatch)
		if !ok || md.Message == nil {
			continue
		}
		m := md.Message.GetMessage()
		info, ok := m.DataStructure.(*wire.ConsumerInfo)
		if !ok {
			t.Fatalf("advisory carries %T, want ConsumerInfo", m.DataStructure)
		}
		if *info.ConsumerId != *workerID || info.Destination.PhysicalName != "orders" {
			t.Fatalf("advisory names consumer %v on %v", info.ConsumerId, info.Destination)
		}
		props, _ := m.Properties()
		if props["consumerCount"] != int32(1) || m.Type.Value != "Advisory" {
			t.Fatalf("properties %v type %q", props, m.Type.Value)
		}
		return
	}
}
