package app

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PINs are stored only as a slow hash: PBKDF2-SHA256 with a random salt,
// encoded "pbkdf2-sha256$<iterations>$<salt>$<hash>" (base64, no padding).

// PINIterations is the PBKDF2 work factor for new hashes.
const PINIterations = 200_000

var errPINFormat = errors.New("PIN hash: unknown format")

// ValidPIN reports whether pin is 4 to 8 digits.
func ValidPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 8 {
		return false
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// HashPIN hashes a PIN for storage.
func HashPIN(pin string) (string, error) {
	if !ValidPIN(pin) {
		return "", errors.New("PIN: want 4 to 8 digits")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return hashPIN(pin, salt, PINIterations)
}

func hashPIN(pin string, salt []byte, iter int) (string, error) {
	k, err := pbkdf2.Key(sha256.New, pin, salt, iter, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", iter, enc.EncodeToString(salt), enc.EncodeToString(k)), nil
}

// VerifyPIN reports whether pin matches the stored hash, in constant time.
func VerifyPIN(hash, pin string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false, errPINFormat
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1000 || iter > 10_000_000 {
		return false, errPINFormat
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil {
		return false, errPINFormat
	}
	got, err := hashPIN(pin, salt, iter)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(hash)) == 1, nil
}
