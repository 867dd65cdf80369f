package pagopa

import (
	"fmt"
	"strconv"
	"strings"
)

// The QR payload's fixed fields.
const (
	payloadPrefix  = "PAGOPA"
	payloadVersion = "002"
)

// QRData is the content of a notice's QR code.
type QRData struct {
	NoticeCode         string
	CreditorFiscalCode string
	// Amount is in cents.
	Amount int64
}

// Payload returns the QR code's text for a notice,
// "PAGOPA|002|<notice code>|<creditor fiscal code>|<amount in cents>",
// after checking each part: an 18-digit notice code with aux digit 0–3 (no
// spaces), an 11-digit fiscal code (a checksum warning is not an error
// here), an amount in range.
func Payload(noticeCode, creditorFiscalCode string, cents int64) (string, error) {
	if len(noticeCode) != 18 {
		return "", fmt.Errorf("%w: %q", ErrNoticeCodeFormat, noticeCode)
	}
	if _, err := ParseNoticeCode(noticeCode); err != nil {
		return "", err
	}
	if _, err := CheckCreditorFiscalCode(creditorFiscalCode); err != nil {
		return "", err
	}
	amount, err := FormatQRAmount(cents)
	if err != nil {
		return "", err
	}
	return strings.Join([]string{payloadPrefix, payloadVersion, noticeCode, creditorFiscalCode, amount}, "|"), nil
}

// ParsePayload decodes a QR payload strictly: printable ASCII without
// spaces, exactly five fields, prefix PAGOPA, version 002, and each part in
// the form Payload writes, so that Payload of the result gives s back.
func ParsePayload(s string) (QRData, error) {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return QRData{}, fmt.Errorf("%w: byte %#02x at %d (printable ASCII without spaces only)", ErrPayload, s[i], i)
		}
	}
	f := strings.Split(s, "|")
	if len(f) != 5 {
		return QRData{}, fmt.Errorf("%w: %d fields, want 5", ErrPayload, len(f))
	}
	if f[0] != payloadPrefix {
		return QRData{}, fmt.Errorf("%w: prefix %q, want %q", ErrPayload, f[0], payloadPrefix)
	}
	if f[1] != payloadVersion {
		return QRData{}, fmt.Errorf("%w: version %q, want %q", ErrPayload, f[1], payloadVersion)
	}
	if len(f[2]) != 18 {
		return QRData{}, fmt.Errorf("%w: %q", ErrNoticeCodeFormat, f[2])
	}
	if _, err := ParseNoticeCode(f[2]); err != nil {
		return QRData{}, err
	}
	if _, err := CheckCreditorFiscalCode(f[3]); err != nil {
		return QRData{}, err
	}
	if !allDigits(f[4]) || len(f[4]) > 11 {
		return QRData{}, fmt.Errorf("%w: amount %q is not 2–11 digits", ErrPayload, f[4])
	}
	cents, _ := strconv.ParseInt(f[4], 10, 64) // ≤ 11 digits: fits
	want, err := FormatQRAmount(cents)
	if err != nil {
		return QRData{}, err
	}
	if want != f[4] {
		return QRData{}, fmt.Errorf("%w: amount %q should be written %q", ErrPayload, f[4], want)
	}
	return QRData{NoticeCode: f[2], CreditorFiscalCode: f[3], Amount: cents}, nil
}
