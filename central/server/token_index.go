package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"

	"mensakiosk/central/server/kv"
)

// tokenIndex is a set of bearer tokens held as two buckets: byHash maps a
// token's SHA-256 to what the token is for, byName maps its holder (a
// kiosk, a receipts connector) to its token's hash, so that a holder has
// one token at a time. Only hashes are stored.
type tokenIndex struct{ byHash, byName []byte }

var (
	kioskTokens   = tokenIndex{bTokens, bKioskTk}
	receiptTokens = tokenIndex{bReceiptTokens, bReceiptTokenNames}
)

// put stores the token hash h for name, with value v, replacing (so
// revoking) name's previous token.
func (ix tokenIndex) put(tx kv.Tx, name string, h, v []byte) error {
	tk, byName := tx.Bucket(ix.byHash), tx.Bucket(ix.byName)
	if old := byName.Get([]byte(name)); old != nil {
		if err := tk.Delete(old); err != nil {
			return err
		}
	}
	return errors.Join(tk.Put(h, v), byName.Put([]byte(name), h))
}

// revoke deletes name's token: its requests are refused from now. found
// is false when name has no token.
func (ix tokenIndex) revoke(tx kv.Tx, name string) (found bool, err error) {
	tk, byName := tx.Bucket(ix.byHash), tx.Bucket(ix.byName)
	h := byName.Get([]byte(name))
	if h == nil {
		return false, nil
	}
	return true, errors.Join(tk.Delete(h), byName.Delete([]byte(name)))
}

// newToken makes a random token, with the Comune's prefix (comuni.go).
func (s *Server) newToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return s.comuneTokenPrefix() + base64.RawURLEncoding.EncodeToString(raw), nil
}
