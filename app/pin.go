package app

// PINs are stored only as a slow hash. Hashing needs golang.org/x/crypto
// (bcrypt), which this package does not import: package central/pinhash
// hashes and verifies, and the use cases that check a PIN or an access
// code receive its Verify as a func(hash, secret string) bool.

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
