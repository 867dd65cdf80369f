package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"mensakiosk/central/server/kv"
)

// tokenIndex is a set of bearer tokens held as two buckets: byHash maps a
// token's SHA-256 to what the token is for, byName maps its holder (a
// kiosk, a receipts connector) to its token's hash, so that a holder has
// one token at a time. Only hashes are stored.
// noToken is the error's text when a holder has none (a format taking
// the name); revoked and nameKey are the log line of a revocation and the
// holder's key in it.
type tokenIndex struct {
	byHash, byName            []byte
	noToken, revoked, nameKey string
}

var (
	kioskTokens   = tokenIndex{bTokens, bKioskTk, "kiosk %q has no token", "token revoked", "kiosk"}
	receiptTokens = tokenIndex{bReceiptTokens, bReceiptTokenNames, "no receipts token named %q", "receipts token revoked", "name"}
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

// revokeToken deletes name's token in ix: its requests are refused from
// now. A name without a token is an error.
func (s *Server) revokeToken(ix tokenIndex, name string) error {
	err := s.db.Update(func(tx kv.Tx) error {
		tk, byName := tx.Bucket(ix.byHash), tx.Bucket(ix.byName)
		h := byName.Get([]byte(name))
		if h == nil {
			return fmt.Errorf(ix.noToken, name)
		}
		return errors.Join(tk.Delete(h), byName.Delete([]byte(name)))
	})
	if err == nil {
		s.log.Info(ix.revoked, ix.nameKey, name)
	}
	return err
}

// newToken makes a random token, with the Comune's prefix (comuni.go).
func (s *Server) newToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return s.comuneTokenPrefix() + base64.RawURLEncoding.EncodeToString(raw), nil
}
