package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/central/server/kv"

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
// serving the restored database. On PostgreSQL servers may run meanwhile:
// each reads the id in the transaction that uses it (dbid.go).
func (s *Server) MarkRestored() error {
	id := make([]byte, dbIDLen)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	err := s.db.Update(func(tx kv.Tx) error {
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

// Backup writes a consistent copy of the database to w, in a read
// transaction: the server keeps serving (pushes wait for nothing). It
// returns the bytes written.
func (s *Server) Backup(w io.Writer) (int64, error) {
	if s.bolt == nil {
		return 0, ErrBackupNotFile
	}
	var n int64
	err := s.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// ErrBackupNotFile: the store is PostgreSQL, whose backups are the
// operator's own (pg_dump, or a base backup with WAL archiving for
// point-in-time recovery; docs/central.md).
var ErrBackupNotFile = errors.New("this server's store is PostgreSQL: back it up with pg_dump (or a base backup and WAL archiving for point-in-time recovery), see docs/central.md")

// adminBackup answers GET /admin/backup with the database's bytes.
func (s *Server) adminBackup(w http.ResponseWriter, _ *http.Request) {
	if s.bolt == nil {
		http.Error(w, ErrBackupNotFile.Error(), http.StatusNotImplemented)
		return
	}
	err := s.bolt.View(func(tx *bolt.Tx) error {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(tx.Size(), 10))
		_, err := tx.WriteTo(w)
		return err
	})
	if err != nil {
		s.log.Error("backup over the admin socket", "err", err)
	}
}

// Backup fetches a consistent copy of the running server's database.
func (c *AdminClient) Backup(w io.Writer) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://central-admin/admin/backup", nil)
	if err != nil {
		return 0, err
	}
	hc := *c.http
	hc.Timeout = 0 // a large file takes its time; the context bounds it
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("admin socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("admin socket %s: backup: %s", c.path, resp.Status)
	}
	n, err := io.Copy(w, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("admin socket %s: backup cut short: %d of %d bytes", c.path, n, resp.ContentLength)
	}
	return n, err
}

// WriteBackup writes a backup made by fn to path, safely: a temporary file
// in the same directory, synced, checked to open as a bbolt database, then
// renamed into place. An existing file at path is refused.
func WriteBackup(path string, fn func(io.Writer) (int64, error)) (int64, error) {
	if _, err := os.Stat(path); err == nil {
		return 0, fmt.Errorf("backup: %s exists; name a new file", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename, a no-op
	n, err := fn(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return n, fmt.Errorf("backup: the copy does not open: %w", err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta) == nil || tx.Bucket(bEvents) == nil {
			return errors.New("not a central database")
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("backup: the copy: %w", err)
	}
	return n, os.Rename(tmp, path)
}
