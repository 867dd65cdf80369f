package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The seal. bbolt keeps no checksum of its pages, so a bit flipped in a
// record at rest (a price, a date) leaves a file that bbolt and the file
// check read without complaint. At a clean close the store writes beside
// the file a seal: its size, its last transaction id and its SHA-256. The
// next open compares: the same transaction id with another size or hash,
// or an older one, means the file changed while no kiosk had it open, and
// it is refused like any damaged file. A newer transaction id means
// another program (an older kiosk, bbolt's tools) wrote the file since:
// nothing to say. No seal (the kiosk was killed, or lost power) means no
// comparison: the file check alone speaks. A seal judges only the file
// it sealed (same device and inode): a file moved into its place, as
// bbolt's compact tool leaves it (new transaction ids, from 1), is
// another file. The seal is removed at open,
// before anything is written, and kept when the file is refused, so a
// damaged file is refused at every start.

type seal struct {
	Size   int64     `json:"size"`
	TxID   uint64    `json:"txid"`
	SHA256 string    `json:"sha256"`
	Closed time.Time `json:"closed"`
	// Dev and Ino identify the sealed file (0 where unknown): a file moved
	// into its place (compacted with bbolt's tool, restored by a move) is
	// another file (another inode), which this seal does not judge.
	Dev uint64 `json:"dev,omitempty"`
	Ino uint64 `json:"ino,omitempty"`
}

func sealPath(path string) string { return path + ".seal" }

func fileSHA256(f *os.File) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62))
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// writeSeal seals the closed file at path.
func writeSeal(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	c := &fileCheck{f: f}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	c.size = fi.Size()
	dev, ino := fileIdentity(fi)
	if err := c.readMeta(); err != nil {
		return err
	}
	sum, n, err := fileSHA256(f)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(seal{Size: n, TxID: c.txid, SHA256: sum, Closed: time.Now().UTC(), Dev: dev, Ino: ino})
	tmp := sealPath(path) + ".tmp"
	if err := writeSynced(tmp, raw); err != nil {
		return err
	}
	if err := os.Rename(tmp, sealPath(path)); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// checkSeal compares the file with its seal, if any; c has read the meta
// pages. It notes a problem in c when the file changed since it was sealed.
func checkSeal(f *os.File, c *fileCheck) error {
	raw, err := os.ReadFile(sealPath(f.Name()))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var s seal
	if err := json.Unmarshal(raw, &s); err != nil || s.SHA256 == "" {
		c.problem("the seal written at the last clean close is unreadable")
		return nil
	}
	if s.Ino != 0 {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		// The inode alone: a device's number may change at a reboot (a
		// USB disk, an SD card's order), its files' inodes do not.
		if _, ino := fileIdentity(fi); ino != s.Ino {
			return nil // another file moved into the sealed one's place
		}
	}
	switch {
	case c.txid > s.TxID:
		return nil // written since by another program
	case c.txid < s.TxID || c.metaProblem != "":
		c.problem("the last transaction (%d) is lost since the clean close at %s (%s)", s.TxID, s.Closed.Format(time.RFC3339), c.metaProblem)
		return nil
	}
	sum, n, err := fileSHA256(f)
	if err != nil {
		return err
	}
	if n != s.Size || sum != s.SHA256 {
		c.problem("the file changed while no kiosk had it open (since the clean close at %s: %d bytes then, %d now; SHA-256 %.12s…, now %.12s…)",
			s.Closed.Format(time.RFC3339), s.Size, n, s.SHA256, sum)
	}
	return nil
}
