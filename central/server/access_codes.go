package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
	"mensakiosk/internal/atomicfile"
)

// Family access codes at a Comune's size. The slow hash (bcrypt, see
// pinhash.AccessCodeCost) is what kiosks get and verify. To tell cheaply
// whether an imported code is the one already hashed, the server keeps
// beside each hash a keyed fingerprint,
//
//	HMAC-SHA256(key, "mensakiosk access code v1" 0 account 0 code 0 hash)
//
// in the bucket access_fp. The key is 32 random bytes in the file
// <data>/access-fingerprint.key, made at the first import that carries
// codes; it is never in central.db (so not in a backup of it) and never in
// anything the server sends. A fingerprint names the hash it was made
// with: a hash replaced any other way (an imported access_hash) no longer
// matches, and the code is hashed again. Without the key, a fingerprint
// tells nothing about the code; a stolen kiosk has neither.

var bAccessFP = []byte("access_fp") // account → fingerprint of (code, hash)

// AccessKeyFile is the fingerprint key's file name in the data directory.
const AccessKeyFile = "access-fingerprint.key"

const accessKeyLen = 32

// accessCodes is the Server's part of it: the key, read or made once, and
// the hasher (tests count its calls).
type accessCodes struct {
	mu   sync.Mutex
	key  []byte
	hash func(code string) (string, error)
}

func (s *Server) accessHasher() func(string) (string, error) {
	if s.access.hash != nil {
		return s.access.hash
	}
	return pinhash.HashAccessCode
}

// accessKey reads the fingerprint key, making it at first use.
func (s *Server) accessKey() ([]byte, error) {
	s.access.mu.Lock()
	defer s.access.mu.Unlock()
	if s.access.key != nil {
		return s.access.key, nil
	}
	path := filepath.Join(s.dataDir, AccessKeyFile)
	key, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if key, err = makeAccessKey(path); err != nil {
			return nil, fmt.Errorf("access code key %s: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("access code key: %w", err)
	case len(key) != accessKeyLen:
		return nil, fmt.Errorf("access code key %s: %d bytes, want %d; move it away and import again "+
			"(every access code is then hashed once more)", path, len(key), accessKeyLen)
	}
	s.access.key = key
	return key, nil
}

// makeAccessKey writes a new random key to path (mode 0600, synced, then
// renamed into place: a crash leaves the old state or the whole key).
func makeAccessKey(path string) ([]byte, error) {
	key := make([]byte, accessKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(path, key, 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

func accessFingerprint(key []byte, acc app.AccountID, code, hash string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("mensakiosk access code v1\x00"))
	m.Write([]byte(acc))
	m.Write([]byte{0})
	m.Write([]byte(code))
	m.Write([]byte{0})
	m.Write([]byte(hash))
	return m.Sum(nil)
}

// accessPrep is what prepareAccessCodes did before the import's write
// transaction: the key, and the new hashes of the codes that need one.
type accessPrep struct {
	key    []byte
	hashed map[app.AccountID]preHashed
}

type preHashed struct{ code, hash string }

// keeps reports whether the stored hash of acc is a hash of code, by its
// fingerprint.
func (p *accessPrep) keeps(tx kv.Tx, acc app.AccountID, code, storedHash string) bool {
	if storedHash == "" {
		return false
	}
	fp := tx.Bucket(bAccessFP).Get([]byte(acc))
	return fp != nil && hmac.Equal(fp, accessFingerprint(p.key, acc, code, storedHash))
}

// prepareAccessCodes hashes, on every CPU and before the write
// transaction (kiosks' pushes go on meanwhile), the import's access codes
// whose stored hash is not already theirs. An unchanged code costs one
// HMAC, not a bcrypt.
func (s *Server) prepareAccessCodes(d *ImportData) (*accessPrep, error) {
	if len(d.AccessCodes) == 0 {
		return nil, nil
	}
	key, err := s.accessKey()
	if err != nil {
		return nil, err
	}
	s.adviseAccessCodes(d)
	p := &accessPrep{key: key, hashed: map[app.AccountID]preHashed{}}
	var todo []app.AccountID
	err = s.db.View(func(tx kv.Tx) error {
		prefetchAccessCodes(tx, d) // access_codes_prefetch.go
		for _, a := range d.Accounts {
			code, ok := d.AccessCodes[a.ID]
			if !ok || !validAccessCode(code) || a.AccessHash != "" {
				continue // refused, or an error, in the transaction
			}
			if _, dup := p.hashed[a.ID]; dup {
				continue // an error in the transaction
			}
			stored, _, err := getJSON[app.Account](tx, app.KindAccount, string(a.ID))
			if err != nil {
				return err
			}
			if p.keeps(tx, a.ID, code, stored.AccessHash) {
				continue
			}
			p.hashed[a.ID] = preHashed{code: code}
			todo = append(todo, a.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	hashes, err := hashAll(s.accessHasher(), todo, func(id app.AccountID) string { return p.hashed[id].code })
	if err != nil {
		return nil, err
	}
	for i, id := range todo {
		p.hashed[id] = preHashed{code: p.hashed[id].code, hash: hashes[i]}
	}
	return p, nil
}

// hashAll hashes the secrets of ids with hash, on GOMAXPROCS workers.
func hashAll[ID any](hash func(string) (string, error), ids []ID, secret func(ID) string) ([]string, error) {
	out := make([]string, len(ids))
	errs := make([]error, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(ids), 1)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = hash(secret(ids[i]))
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// Advice on the codes' strength (docs/central.md, "Access codes: the hash
// and its cost"): what protects a code in a stolen kiosk's hashes is
// mostly its length, and the counter types digits only, at most
// counterKeypadDigits of them (ui/counter_identify.go).
const (
	recommendedCodeDigits = 10
	counterKeypadDigits   = 12
)

// adviseAccessCodes logs, in one line per import, how many codes are
// shorter than recommended and how many the counter's keypad cannot type.
// It never names a code.
func (s *Server) adviseAccessCodes(d *ImportData) {
	short, untypeable := 0, 0
	for _, code := range d.AccessCodes {
		if !validAccessCode(code) {
			continue
		}
		digits := true
		for _, c := range code {
			digits = digits && c >= '0' && c <= '9'
		}
		switch {
		case !digits || len(code) > counterKeypadDigits:
			untypeable++
		case len(code) < recommendedCodeDigits:
			short++
		}
	}
	if short+untypeable > 0 {
		s.log.Warn("import: access codes to re-issue", "codes", len(d.AccessCodes),
			"shorter_than_recommended", short, "recommended_digits", recommendedCodeDigits,
			"not_typeable_at_counter", untypeable, "counter_keypad", "digits only, at most 12",
			"see", "docs/central.md: Access codes: the hash and its cost")
	}
}
