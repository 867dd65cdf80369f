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

// Payload returns the QR code's text for a notice this system built,
// "PAGOPA|002|<notice code>|<creditor fiscal code>|<amount in cents>",
// after checking each part: the notice code must pass VerifyGenerated (18
// digits, aux digit 3, segregation code 00–45, matching check digits: a
// code with wrong check digits is our bug, and a payer's app would refuse
// it), an 11-digit fiscal code (a checksum warning is not an error here),
// an amount in range. For a code read from elsewhere use ForeignPayload.
func Payload(noticeCode, creditorFiscalCode string, cents int64) (string, error) {
	if err := VerifyGenerated(noticeCode); err != nil {
		return "", err
	}
	p, _, err := ForeignPayload(noticeCode, creditorFiscalCode, cents)
	return p, err
}

// ForeignPayload returns the QR code's text for a notice code read from
// elsewhere (a printed notice, another system), checked for format only:
// 18 digits (no spaces) with aux digit 0–3, an 11-digit fiscal code, an
// amount in range. Check digits that do not match are a warning
// (ErrCheckDigits), not an error: some of pagoPA's own published examples
// fail them; show the warning, do not refuse.
func ForeignPayload(noticeCode, creditorFiscalCode string, cents int64) (payload string, warning, err error) {
	if len(noticeCode) != 18 {
		return "", nil, fmt.Errorf("%w: %q", ErrNoticeCodeFormat, noticeCode)
	}
	nc, err := ParseNoticeCode(noticeCode)
	if err != nil {
		return "", nil, err
	}
	if _, err := CheckCreditorFiscalCode(creditorFiscalCode); err != nil {
		return "", nil, err
	}
	amount, err := FormatQRAmount(cents)
	if err != nil {
		return "", nil, err
	}
	return strings.Join([]string{payloadPrefix, payloadVersion, noticeCode, creditorFiscalCode, amount}, "|"), nc.checkWarning(), nil
}

// checkWarning is ErrCheckDigits when the code carries check digits that
// do not match, else nil.
func (n NoticeCode) checkWarning() error {
	if n.HasCheck() && !n.CheckOK {
		want, _ := CheckDigits(n.Code[:16])
		return fmt.Errorf("%w: %q ends in %s, want %s", ErrCheckDigits, n.Code, n.Check, want)
	}
	return nil
}

// Warning is ErrCheckDigits when the payload's notice code carries check
// digits that do not match (a payload read from elsewhere: ParsePayload
// checks the format only), else nil.
func (d QRData) Warning() error {
	nc, err := ParseNoticeCode(d.NoticeCode)
	if err != nil {
		return err
	}
	return nc.checkWarning()
}

// ParsePayload decodes a QR payload read from elsewhere strictly for its
// form: printable ASCII without spaces, exactly five fields, prefix PAGOPA,
// version 002, and each part in the form ForeignPayload writes, so that
// ForeignPayload of the result gives s back. Check digits that do not
// match are not an error here: QRData.Warning reports them.
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
