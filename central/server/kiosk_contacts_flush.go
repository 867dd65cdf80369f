package server

import (
	"encoding/json"
	"fmt"

	"mensakiosk/central/server/kv"
)

// ContactFlushChunk is the most kiosk contacts one Update of the flush
// writes. The flush is a write like a push, so on PostgreSQL it holds the
// Comune's write turn while it runs: in one Update, 1,000 kiosks' contacts
// held it for 80–180 ms every 30 s on the loaded development machine
// (cmd/loadgen -diagnose: a run writing 999 keys, the pushes behind it
// waiting 95–160 ms), a recurring part of the push tail. In chunks the
// pushes take their turns between them.
const ContactFlushChunk = 100

// writeContacts writes contacts in Updates of ContactFlushChunk each,
// every one merged with the stored one (another server's); it returns how
// many were written before a failure.
func (s *Server) writeContacts(write []KioskContact) (written int, err error) {
	for len(write) > 0 {
		chunk := write[:min(len(write), ContactFlushChunk)]
		err := s.db.Update(func(tx kv.Tx) error {
			b := tx.Bucket(bContacts)
			// What is stored, in one query on PostgreSQL (a Get
			// per kiosk would be a round trip each, inside the
			// write turn); memory reads on bbolt.
			keys := make([][]byte, len(chunk))
			for i, c := range chunk {
				keys[i] = []byte(c.Kiosk)
			}
			kv.Prefetch(b, keys...)
			for _, c := range chunk {
				if old, ok, err := storedContact(b, c.Kiosk); err != nil {
					return err
				} else if ok {
					c = mergeContact(c, old)
				}
				if err := putContact(tx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return written, err
		}
		written += len(chunk)
		write = write[len(chunk):]
	}
	return written, nil
}

// storedContact is kiosk's stored contact, if any.
func storedContact(b kv.Bucket, kiosk string) (KioskContact, bool, error) {
	v := b.Get([]byte(kiosk))
	if v == nil {
		return KioskContact{}, false, nil
	}
	var c KioskContact
	if err := json.Unmarshal(v, &c); err != nil {
		return KioskContact{}, false, fmt.Errorf("kiosk contact %q: %w", kiosk, err)
	}
	return c, true, nil
}
