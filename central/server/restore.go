package server

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// MarkRestored tells the server that its database was just put back from a
// backup. It gives the database a new id, so every kiosk's cursor becomes
// foreign and its next pull is a reset (the whole roster and the server's
// balances): the restored revision counter reuses numbers that kiosks'
// cursors may have passed. It raises an alarm saying so. Kiosks that had
// pushed events the backup lacks find out by themselves (the server's view
// of their stream is behind) and send them again.
//
// Run it with the server stopped (`central restored -data DIR`), before
// serving the restored database.
func (s *Server) MarkRestored() error {
	id := make([]byte, dbIDLen)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		a := app.Alarm{Code: AlarmServerRestored, At: s.now(),
			Message: fmt.Sprintf("database restored from a backup (head revision %d): every kiosk pulls afresh and re-sends the events the backup lacks", getU64(meta, kHead))}
		data, err := json.Marshal(a)
		if err != nil {
			return err
		}
		n := getU64(meta, kAlarmN) + 1
		return errors.Join(meta.Put(kDBID, id), meta.Put(kAlarmN, u64(n)), tx.Bucket(bAlarms).Put(u64(n), data))
	})
	if err == nil {
		s.dbID = id
		s.log.Warn("database marked restored: kiosks will pull afresh")
	}
	return err
}

// AlarmServerRestored: the server's database was put back from a backup.
const AlarmServerRestored = "server_restored"
