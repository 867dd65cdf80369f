package ui

import (
	"strconv"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// FormatCents formats an amount the Italian way, as the families' portal
// does: thousands separated by dots, a decimal comma, two decimals and the
// euro sign after a normal space: 102050 → "1.020,50 €", -320 → "-3,20 €".
// It is pagopa.FormatEuro, which the printed avviso uses, so screen and
// paper agree.
func FormatCents(c app.Cents) string { return pagopa.FormatEuro(int64(c)) }

// FormatCount formats a count the Italian way, with thousands separated by
// dots: 50000 → "50.000", -1234 → "-1.234".
func FormatCount(n int) string {
	var b strings.Builder
	u := uint64(n)
	if n < 0 {
		b.WriteByte('-')
		u = -u
	}
	writeGrouped(&b, u)
	return b.String()
}

// writeGrouped writes u in decimal with a dot between groups of three digits.
func writeGrouped(b *strings.Builder, u uint64) {
	digits := strconv.FormatUint(u, 10)
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(d)
	}
}

// FormatDate formats t's date as dd/mm/yyyy ("23/11/2026"), in t's location.
func FormatDate(t time.Time) string { return t.Format("02/01/2006") }

// FormatTime formats t's time of day as hh:mm, 24-hour ("12:07").
func FormatTime(t time.Time) string { return t.Format("15:04") }

// FormatDateTime formats t as "23/11/2026 12:07".
func FormatDateTime(t time.Time) string { return t.Format("02/01/2006 15:04") }

// formatWhen formats t for a status line seen at now: the time alone when
// it is on the same day, else date and time.
func formatWhen(t, now time.Time) string {
	if y, m, d := t.Date(); now.Year() == y && now.Month() == m && now.Day() == d {
		return FormatTime(t)
	}
	return FormatDateTime(t)
}
