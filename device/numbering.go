package device

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"mensakiosk/app"
)

// Numbering maps the id a decoder produced to the installation's canonical
// badge id. Canonical ids are always upper-case hex (app.BadgeID); what
// changes is which bytes, in which order, identify a card. The choice must
// match the numbering the Comune's badge list (roster) was keyed by.
type Numbering string

const (
	// NumberingHex keeps the decoder's bytes: EM4100 "010063E9AE".
	NumberingHex Numbering = "hex"
	// NumberingDec10 keeps the last 4 bytes, the ones the "10-digit
	// decimal" printed on EM cards encodes: 010063E9AE → 0063E9AE, whose
	// printed form is 0006547886 (see PrintDec10, ParseDec10).
	NumberingDec10 Numbering = "dec10"
	// NumberingWiegand26 keeps the last 3 bytes, the ones a Wiegand-26
	// facility,card number encodes: 010063E9AE → 63E9AE, printed
	// "099,59822" (see PrintWiegand26, ParseWiegand26).
	NumberingWiegand26 Numbering = "wiegand26"
	// NumberingReversed reverses the byte order (MIFARE UIDs that some
	// readers send least significant byte first): 04A1B2C3 → C3B2A104.
	NumberingReversed Numbering = "reversed"
)

// Numberings lists the accepted numbering names.
var Numberings = []Numbering{NumberingHex, NumberingDec10, NumberingWiegand26, NumberingReversed}

// ParseNumbering accepts a name from Numberings; "" means NumberingHex.
func ParseNumbering(s string) (Numbering, error) {
	n := Numbering(strings.ToLower(strings.TrimSpace(s)))
	if n == "" {
		return NumberingHex, nil
	}
	for _, k := range Numberings {
		if n == k {
			return n, nil
		}
	}
	names := make([]string, len(Numberings))
	for i, k := range Numberings {
		names[i] = string(k)
	}
	return "", fmt.Errorf("numbering %q: unknown, want one of %s", s, strings.Join(names, ", "))
}

// Map returns the canonical id for an id a decoder produced (a valid
// app.BadgeID). Ids shorter than the bytes a numbering keeps are padded
// with leading zero bytes.
func (n Numbering) Map(id app.BadgeID) app.BadgeID {
	switch n {
	case NumberingDec10:
		return lastBytes(id, 4)
	case NumberingWiegand26:
		return lastBytes(id, 3)
	case NumberingReversed:
		return ReverseBytes(id)
	}
	return id
}

// ParseKey reads a badge number as written in a roster keyed by this
// numbering and returns the canonical id Map produces for the same card:
// hex and reversed read hex digits, dec10 a decimal number (0006547886),
// wiegand26 a facility,card pair (099,59822).
func (n Numbering) ParseKey(s string) (app.BadgeID, error) {
	switch n {
	case NumberingDec10:
		return ParseDec10(s)
	case NumberingWiegand26:
		return ParseWiegand26(s)
	}
	return app.ParseBadgeID(s)
}

// Print writes a canonical id in the form people of this numbering read
// (the inverse of ParseKey).
func (n Numbering) Print(id app.BadgeID) string {
	switch n {
	case NumberingDec10:
		return PrintDec10(id)
	case NumberingWiegand26:
		return PrintWiegand26(id)
	}
	return string(id)
}

// PrintDec10 returns the "10-digit decimal" printed on EM cards: the last 4
// bytes of id as a zero-padded decimal number (010063E9AE → 0006547886).
func PrintDec10(id app.BadgeID) string {
	b := idBytes(lastBytes(id, 4))
	v := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	return fmt.Sprintf("%010d", v)
}

// ParseDec10 reads a printed decimal card number (at most 10 digits, at most
// 4294967295) and returns the 4-byte canonical id (0006547886 → 0063E9AE).
func ParseDec10(s string) (app.BadgeID, error) {
	t := strings.TrimSpace(s)
	if t == "" || len(t) > 10 || strings.Trim(t, "0123456789") != "" {
		return "", fmt.Errorf("card number %q: want up to 10 decimal digits", s)
	}
	v, err := strconv.ParseUint(t, 10, 32)
	if err != nil {
		return "", fmt.Errorf("card number %q: larger than 4294967295", s)
	}
	return app.BadgeID(fmt.Sprintf("%08X", v)), nil
}

// PrintWiegand26 returns the Wiegand-26 facility,card form: the third-last
// byte and the last two bytes in decimal (010063E9AE → "099,59822").
func PrintWiegand26(id app.BadgeID) string {
	b := idBytes(lastBytes(id, 3))
	return fmt.Sprintf("%03d,%05d", b[0], int(b[1])<<8|int(b[2]))
}

// ParseWiegand26 reads "facility,card" (facility 0..255, card 0..65535) and
// returns the 3-byte canonical id ("099,59822" → 63E9AE).
func ParseWiegand26(s string) (app.BadgeID, error) {
	fs, cs, ok := strings.Cut(strings.TrimSpace(s), ",")
	fac, err1 := strconv.ParseUint(strings.TrimSpace(fs), 10, 8)
	card, err2 := strconv.ParseUint(strings.TrimSpace(cs), 10, 16)
	if !ok || err1 != nil || err2 != nil {
		return "", fmt.Errorf("card number %q: want facility,card (0..255,0..65535)", s)
	}
	return app.BadgeID(fmt.Sprintf("%02X%04X", fac, card)), nil
}

// ReverseBytes reverses the byte order of id (04A1B2C3 → C3B2A104).
func ReverseBytes(id app.BadgeID) app.BadgeID {
	b := idBytes(id)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return app.BadgeID(strings.ToUpper(hex.EncodeToString(b)))
}

// lastBytes returns the last n bytes of id, left-padded with zero bytes.
func lastBytes(id app.BadgeID, n int) app.BadgeID {
	s := string(id)
	if len(s) >= 2*n {
		return app.BadgeID(s[len(s)-2*n:])
	}
	return app.BadgeID(strings.Repeat("0", 2*n-len(s)) + s)
}

// idBytes decodes the hex digits of a valid id (invalid digits decode as
// far as they go).
func idBytes(id app.BadgeID) []byte {
	b, _ := hex.DecodeString(string(id))
	return b
}
