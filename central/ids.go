package central

import (
	"fmt"
	"strconv"
)

// Identifiers the server stores as keys and shows in its listings: a
// kiosk's database epoch, kiosk ids, event ids (and the meal_event_id a
// void names), staff ids. Both sides hold to one rule, so that nothing a
// kiosk makes is refused and nothing a stranger sends can name a path,
// break a key or reorder a terminal line:
//
//	1 to MaxIDLen characters: ASCII letters, digits, '.', '_' or '-',
//	the first a letter or a digit.
//
// What the kiosk makes satisfies it: epochs and event ids are 32 lowercase
// hex digits (storage.Open, app.NewEventID); kiosk ids are chosen with
// `central token -kiosk ID`; staff ids come from the roster, whose import
// refuses others.
const MaxIDLen = 64

// CodeBadID is the error code (400) of a request whose epoch or other
// identifier breaks the rule; an event's own bad id is answered per event
// (rejected, with the reason) instead.
const CodeBadID = "bad_id"

// CheckID returns nil if id follows the rule, or an error that says what
// is wrong without repeating the id's raw bytes.
func CheckID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("missing")
	case len(id) > MaxIDLen:
		return fmt.Errorf("%d bytes long: at most %d", len(id), MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !idChar(c) || i == 0 && (c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("character %d is %s: want ASCII letters, digits, '.', '_' or '-', starting with a letter or digit",
				i+1, quoteByte(id, i))
		}
	}
	return nil
}

// ValidID reports whether id follows the rule.
func ValidID(id string) bool { return CheckID(id) == nil }

func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// quoteByte names the character at byte i of s, escaped (a multi-byte or
// invalid character as Go's quoting writes it).
func quoteByte(s string, i int) string {
	end := i + 1
	for end < len(s) && end < i+4 && s[end]&0xC0 == 0x80 {
		end++
	}
	return strconv.QuoteToASCII(s[i:end])
}
