package apptest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"mensakiosk/app"
)

// The family's other calls at the counter, beside the view, bookings and
// top-ups of central.go: the office's messages (and the reads pushed),
// an absence of several days, the yearly certificate; and notices put as
// the server holds them, for a screen that lists a family's old ones.

// familyDesk is what Central keeps for these calls.
type familyDesk struct {
	msgs      []app.Message                    // by id
	reads     map[string]time.Time             // account \x00 message id → when read
	absences  []app.AbsenceRequest             // every absence asked, refused ones too
	refuseAbs error                            // RefuseAbsences
	certs     map[string]app.FamilyCertificate // account \x00 year
	asked     []int                            // the years of the certificates asked
}

func familyKey(a app.AccountID, rest string) string { return string(a) + "\x00" + rest }

// PutNotices adds (or replaces, by notice code) notices as the server
// holds them: a family's old top-ups, paid, expired or still payable.
func (c *Central) PutNotices(ns ...app.Notice) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range stored(ns) {
		c.notices[n.NoticeCode] = n
	}
}

// Publish moves notice code on pagoPA to pub (empty: published).
func (c *Central) Publish(code string, pub app.NoticePublication) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.notices[code]
	if !ok {
		return unknown("notice", code)
	}
	n.Publication = pub
	c.notices[code] = n
	return nil
}

// PutMessages adds (or replaces, by id) messages the office sent.
func (c *Central) PutMessages(ms ...app.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range stored(ms) {
		m.ReadAt = time.Time{}
		if i := slices.IndexFunc(c.desk.msgs, func(h app.Message) bool { return h.ID == m.ID }); i >= 0 {
			c.desk.msgs[i] = m
		} else {
			c.desk.msgs = append(c.desk.msgs, m)
		}
	}
	slices.SortFunc(c.desk.msgs, func(x, y app.Message) int { return cmp.Compare(x.ID, y.ID) })
}

// Read records that account a read message id at at, as a message.read
// event pushed by a kiosk does (the fake does not sync: a read made at the
// counter reaches it only this way).
func (c *Central) Read(a app.AccountID, id string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.desk.reads == nil {
		c.desk.reads = map[string]time.Time{}
	}
	c.desk.reads[familyKey(a, id)] = at
}

// messagesLocked are the messages that reach account a's family, newest
// first, with the family's reading times.
func (c *Central) messagesLocked(a app.AccountID) []app.Message {
	var pupils []app.Pupil
	for _, p := range c.pupils {
		if p.AccountID == a {
			pupils = append(pupils, p)
		}
	}
	out := []app.Message{}
	for _, m := range c.desk.msgs {
		if m.Audience.Reaches(a, pupils) {
			m.ReadAt = c.desk.reads[familyKey(a, m.ID)]
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(x, y app.Message) int { return y.Sent.Compare(x.Sent) })
	return out
}

// Messages returns the office's messages after the id after, in id
// order, limit of them (0: 500) — the kiosk's pull of its copy.
func (c *Central) Messages(_ context.Context, after string, limit int) (app.MessagePage, error) {
	return answer(c, func() (app.MessagePage, error) {
		if limit <= 0 {
			limit = 500
		}
		p := app.MessagePage{Messages: []app.Message{}, Last: after, ServerTime: c.clock.Now().UTC()}
		for _, m := range c.desk.msgs {
			if m.ID <= after {
				continue
			}
			if len(p.Messages) == limit {
				p.More = true
				break
			}
			p.Messages = append(p.Messages, m)
			p.Last = m.ID
		}
		return p, nil
	})
}

// RefuseAbsences makes Absence record each request and refuse it with err
// (nil: take them again), as the server does one it will not apply.
func (c *Central) RefuseAbsences(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.desk.refuseAbs = err
}

// Absences returns every absence asked, in order, refused ones too.
func (c *Central) Absences() []app.AbsenceRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return stored(c.desk.absences)
}

// Absence cancels the canteen days from..to of the family's children named
// (none: all), each one a booking; app.ErrAfterCutoff when the first day
// is past or today after the cut-off.
func (c *Central) Absence(_ context.Context, r app.AbsenceRequest) (app.AbsenceReply, error) {
	return answer(c, func() (app.AbsenceReply, error) {
		c.desk.absences = append(c.desk.absences, stored(r))
		if c.desk.refuseAbs != nil {
			return app.AbsenceReply{}, c.desk.refuseAbs
		}
		if _, ok := c.accounts[r.AccountID]; !ok {
			return app.AbsenceReply{}, unknown("account", string(r.AccountID))
		}
		days, err := app.AbsenceDays(r.From, r.To, c.loc)
		if err != nil {
			return app.AbsenceReply{}, fmt.Errorf("%w: %w", app.ErrBadRequest, err)
		}
		rep := app.AbsenceReply{Bookings: []app.Booking{}}
		for _, d := range days { // day by day, the children in id order, as the server answers
			for _, id := range slices.Sorted(maps.Keys(c.pupils)) {
				p := c.pupils[id]
				if p.AccountID != r.AccountID || len(r.PupilIDs) > 0 && !slices.Contains(r.PupilIDs, id) || !p.EatsOn(d.Weekday()) {
					continue
				}
				b, err := c.book(app.BookingRequest{PupilID: id, Day: app.DayOf(d, c.loc), Cancelled: true})
				if err != nil {
					return app.AbsenceReply{}, err
				}
				rep.Bookings = append(rep.Bookings, b)
			}
		}
		return rep, nil
	})
}

// PutCertificate keeps cert as its family's certificate of its year.
func (c *Central) PutCertificate(cert app.FamilyCertificate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.desk.certs == nil {
		c.desk.certs = map[string]app.FamilyCertificate{}
	}
	c.desk.certs[familyKey(cert.AccountID, fmt.Sprint(cert.Year))] = stored(cert)
}

// CertificatesAsked returns the years of the certificates asked, in order.
func (c *Central) CertificatesAsked() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.desk.asked)
}

// Certificate returns the certificate put for the account and year; for
// a year none was put, an empty one (nothing paid) from the Comune's
// creditor.
func (c *Central) Certificate(_ context.Context, a app.AccountID, year int) (app.FamilyCertificate, error) {
	return answer(c, func() (app.FamilyCertificate, error) {
		c.desk.asked = append(c.desk.asked, year)
		acc, ok := c.accounts[a]
		if !ok {
			return app.FamilyCertificate{}, unknown("account", string(a))
		}
		if cert, ok := c.desk.certs[familyKey(a, fmt.Sprint(year))]; ok {
			return stored(cert), nil
		}
		return app.FamilyCertificate{Year: year, AccountID: a, Creditor: c.Creditor, PayerName: acc.Holder,
			PayerFiscalCode: strings.ToUpper(acc.HolderFiscalCode), Payments: []app.CertificatePayment{}, Children: []app.ChildCertificate{}}, nil
	})
}

var (
	_ app.AbsenceCentral     = (*Central)(nil)
	_ app.MessagesCentral    = (*Central)(nil)
	_ app.CertificateCentral = (*Central)(nil)
)
