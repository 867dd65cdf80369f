package apptest

import "strings"

// pinPrefix marks a fake hash: the PIN (or family access code) in clear
// behind a prefix no real hash has.
const pinPrefix = "apptest-plain$"

// HashPIN is a fake of the PIN hashing the central server does: it keeps the
// PIN in clear, so a test needs no key derivation. Use it with VerifyPIN.
func HashPIN(pin string) string { return pinPrefix + pin }

// VerifyPIN checks a PIN against a HashPIN hash: the verify function
// app.NewStaffMode and app.NewCounter take.
func VerifyPIN(hash, pin string) bool {
	p, ok := strings.CutPrefix(hash, pinPrefix)
	return ok && pin != "" && p == pin
}
