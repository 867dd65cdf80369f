// Package pinhash hashes the secrets people type at a kiosk: staff PINs and
// families' access codes. They are short, so only a slow hash keeps a
// stolen database from giving them away: bcrypt (golang.org/x/crypto), at
// cost 10 for staff PINs (a few dozen a Comune) and at cost 5 for family
// access codes (tens of thousands an import; docs/central.md, "Access codes:
// the hash and its cost", gives the figures). It lives outside package app
// because app imports only the standard library; the kiosk's wiring hands
// Verify to the use cases as a func(hash, secret string) bool. Verify takes
// any bcrypt cost, so every hash ever made keeps verifying.
//
// Hashes made before bcrypt (app.HashPIN's "pbkdf2-sha256$<iterations>$
// <salt>$<hash>", base64 without padding) still verify, so databases and
// import files of that time keep working; new hashes are always bcrypt.
//
// No secret is ever logged or put in an error by this package.
package pinhash

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is bcrypt's work factor for new staff PIN hashes: about 50 ms
// on a kiosk-class CPU, once per PIN typed.
const DefaultCost = 10

// Cost is the work factor Hash uses. Tests may lower it (bcrypt.MinCost) to
// stay fast; production code never changes it.
var Cost = DefaultCost

// AccessCodeCost is bcrypt's work factor for family access codes: about
// 2 ms of one core, so that a Comune's 30,000 families hash in under half a
// minute on two cores. What keeps a stolen kiosk's hashes from giving the
// codes away is the codes' length more than this cost: each digit more
// multiplies the attacker's work by 10, each cost step by 2 (see
// docs/central.md).
const AccessCodeCost = 5

// Hash returns the bcrypt hash of secret, with a random salt, at Cost.
func Hash(secret string) (string, error) { return hashAt(secret, Cost) }

// HashAccessCode returns the bcrypt hash of a family access code, with a
// random salt, at AccessCodeCost.
func HashAccessCode(code string) (string, error) { return hashAt(code, AccessCodeCost) }

// MaxSecret bounds a secret: bcrypt reads at most 72 bytes, and a longer
// one would be silently cut.
const MaxSecret = 72

// ErrFormat is returned by Check for a stored hash of no known format.
var ErrFormat = errors.New("secret hash: unknown format (want bcrypt $2a$/$2b$/$2y$ or pbkdf2-sha256$...)")

func hashAt(secret string, cost int) (string, error) {
	if secret == "" {
		return "", errors.New("secret hash: empty secret")
	}
	if len(secret) > MaxSecret {
		return "", errors.New("secret hash: longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(secret), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// Verify reports whether secret matches hash (bcrypt, or the legacy
// PBKDF2 format), comparing in constant time. A malformed hash never
// matches.
func Verify(hash, secret string) bool {
	switch {
	case isBcrypt(hash):
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret)) == nil
	case strings.HasPrefix(hash, legacyPrefix):
		ok, err := verifyLegacy(hash, secret)
		return ok && err == nil
	}
	return false
}

// Check reports whether hash is a well-formed hash of a known format (an
// import accepts pre-hashed PINs and access codes only if they are).
func Check(hash string) error {
	switch {
	case isBcrypt(hash):
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return ErrFormat
		}
		return nil
	case strings.HasPrefix(hash, legacyPrefix):
		_, _, _, err := parseLegacy(hash)
		return err
	}
	return ErrFormat
}

func isBcrypt(h string) bool {
	return strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$")
}

// --- the legacy format: PBKDF2-SHA256, as app.HashPIN wrote it

const legacyPrefix = "pbkdf2-sha256$"

// parseLegacy reads a "pbkdf2-sha256$<iterations>$<salt>$<hash>" hash.
func parseLegacy(hash string) (iter int, salt, want []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return 0, nil, nil, ErrFormat
	}
	iter, err = strconv.Atoi(parts[1])
	if err != nil || iter < 1000 || iter > 10_000_000 {
		return 0, nil, nil, ErrFormat
	}
	enc := base64.RawStdEncoding
	salt, err = enc.DecodeString(parts[2])
	if err != nil || len(salt) == 0 {
		return 0, nil, nil, ErrFormat
	}
	want, err = enc.DecodeString(parts[3])
	if err != nil || len(want) != 32 {
		return 0, nil, nil, ErrFormat
	}
	return iter, salt, want, nil
}

// verifyLegacy checks secret against a legacy hash; the error says the
// hash itself is malformed.
func verifyLegacy(hash, secret string) (bool, error) {
	iter, salt, want, err := parseLegacy(hash)
	if err != nil {
		return false, err
	}
	got, err := pbkdf2.Key(sha256.New, secret, salt, iter, len(want))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
