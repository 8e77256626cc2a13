package openwire

import (
	"fmt"
	"sync"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/openwire/wire"
)

// Stored OpenWire messages keep their command in a connection-independent
// form: version 12, loose encoding, no marshal cache (cached fields would
// index a connection's cache, which does not survive it).
var storage struct {
	mu    sync.Mutex
	codec *wire.Codec
}

func storageCodec() *wire.Codec {
	if storage.codec == nil {
		p := wire.DefaultPreferences()
		p.TightEncoding, p.CacheEnabled = false, false
		c := wire.NewCodec(p)
		f := p.InitialFormat()
		f.Version = wire.MaxVersion
		if err := c.SetFormat(f); err != nil {
			panic(fmt.Sprintf("openwire storage format: %v", err))
		}
		storage.codec = c
	}
	return storage.codec
}

func init() {
	message.RegisterCodec(message.OpenWire, message.NativeCodec{
		Encode: func(native any) ([]byte, error) {
			mc, ok := native.(wire.MessageCommand)
			if !ok {
				return nil, fmt.Errorf("native form is %T, not an OpenWire message", native)
			}
			storage.mu.Lock()
			defer storage.mu.Unlock()
			return storageCodec().AppendCommand(nil, mc)
		},
		Decode: func(b []byte) (any, error) {
			storage.mu.Lock()
			defer storage.mu.Unlock()
			cmd, _, err := storageCodec().Unmarshal(b)
			if err != nil {
				return nil, err
			}
			mc, ok := cmd.(wire.MessageCommand)
			if !ok {
				return nil, fmt.Errorf("stored command is %s, not a message", wire.TypeName(cmd.DataStructureType()))
			}
			return mc, nil
		},
		Props: decodeWireProps,
	})
}
