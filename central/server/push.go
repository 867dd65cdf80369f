package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/internal/logagg"
)

// ReviewItem is an event as the server stores it: what the kiosk sent,
// where from, and the server's answer. Review lists those rejected or
// flagged.
type ReviewItem struct {
	app.OutboxEvent
	KioskID    string          `json:"kiosk_id"`
	Epoch      string          `json:"epoch"`
	Status     app.EventStatus `json:"status"`
	Reason     string          `json:"reason,omitempty"`
	Flags      []string        `json:"flags,omitempty"`
	ReceivedAt time.Time       `json:"received_at"`
	// Code names the reason of some rejections (app.Reject*).
	Code string `json:"code,omitempty"`
	// Charged: a meal whose price is (still) charged to its account.
	Charged bool `json:"charged,omitempty"`
	// ServerPrice is a meal's price as the server computes it from the
	// pupil's fee band on the meal's day: what is charged (and given back
	// by a void). The payload keeps the kiosk's price, what it showed; they
	// differ when flagged price_mismatch. Nil for a meal stored before the
	// server priced meals: its payload's price was charged.
	ServerPrice *app.Cents `json:"server_price,omitempty"`
	// Voided: a meal voided; VoidedBy is the meal.voided event's id.
	Voided   bool   `json:"voided,omitempty"`
	VoidedBy string `json:"voided_by,omitempty"`
}

// kioskState is what the server holds of one kiosk.
type kioskState struct {
	// Epoch is the database the kiosk pushed from last.
	Epoch   string                  `json:"epoch"`
	Streams map[string]*streamState `json:"streams"`
	Events  int                     `json:"events"`
}

// streamState is one (kiosk, epoch) stream.
type streamState struct {
	Acked uint64 `json:"acked"` // highest contiguous seq held from 1
	Max   uint64 `json:"max"`   // highest seq held
	// GapAlarmed is the missing seq last alarmed about, so that a hole
	// raises one alarm, not one per push.
	GapAlarmed uint64    `json:"gap_alarmed,omitempty"`
	Since      time.Time `json:"since"`
}

func getKiosk(tx kv.Tx, id string) (kioskState, error) {
	ks := kioskState{Streams: map[string]*streamState{}}
	v := tx.Bucket(bKiosks).Get([]byte(id))
	if v == nil {
		return ks, nil
	}
	if err := json.Unmarshal(v, &ks); err != nil {
		return ks, fmt.Errorf("kiosk %s: stored state: %w", id, err)
	}
	if ks.Streams == nil {
		ks.Streams = map[string]*streamState{}
	}
	return ks, nil
}

// earliest is the earliest event time believed: before it, the kiosk's
// clock was reset.
var earliest = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// maxAhead is how far ahead of the server's clock an event may be.
const maxAhead = 24 * time.Hour

func badRequest(field, format string, args ...any) *central.Error {
	return &central.Error{Code: "bad_request", Field: field, Message: fmt.Sprintf(format, args...)}
}

// checkBatch refuses a batch whose shape is wrong: that is the client's
// bug, answered 400, and nothing is stored. Problems of one event's content
// are answered per event (rejected) instead.
func checkBatch(b *app.PushBatch) error {
	if err := central.CheckID(b.Epoch); err != nil {
		return &central.Error{Code: central.CodeBadID, Field: "epoch", Message: "epoch " + err.Error()}
	}
	if len(b.Events) > central.MaxPushEvents {
		return badRequest("events", "%d events: at most %d per batch", len(b.Events), central.MaxPushEvents)
	}
	for i, e := range b.Events {
		// An event's bad id is answered per event (run), not here.
		if e.Seq == 0 {
			return badRequest(fmt.Sprintf("events[%d].seq", i), "sequence numbers start at 1")
		}
	}
	return nil
}

// Push stores a batch of kiosk kioskID's events and applies them, in one
// transaction; the reply is built only after the commit. The kiosk is
// trusted as a token made before roles (both kiosk roles): see PushAs.
func (s *Server) Push(kioskID string, b app.PushBatch) (app.PushReply, error) {
	return s.PushAs(kioskID, roleLegacy, b)
}

// PushAs is Push by a token of role: a batch holding an event the role may
// not push is refused whole (central.CodeForbidden, answered 403) and
// nothing is stored, so the kiosk keeps its events until it has a token of
// the right role. Rejected per event, they left the kiosk's outbox and,
// stored as rejected, stayed so when pushed again with the right token: a
// meal served was never charged.
func (s *Server) PushAs(kioskID, role string, b app.PushBatch) (app.PushReply, error) {
	if err := checkBatch(&b); err != nil {
		return app.PushReply{}, err
	}
	for i, e := range b.Events {
		if !eventAllowed(role, e.Kind) {
			return app.PushReply{}, &central.Error{Code: central.CodeForbidden, Field: fmt.Sprintf("events[%d].kind", i),
				Message: fmt.Sprintf("kiosk %s's token is for the %s role, which may not push %s events: push them with a %s token (central token -kiosk %s -role %s); nothing of this batch was stored", kioskID, role, e.Kind, eventRole(e.Kind), kioskID, eventRole(e.Kind))}
		}
	}
	reply := app.PushReply{Results: make([]app.EventAck, 0, len(b.Events))}
	if len(b.Events) == 0 {
		err := s.db.View(func(tx kv.Tx) error {
			reply.Kiosk = kioskView(tx, kioskID, b.Epoch)
			return nil
		})
		reply.ServerTime = s.now()
		return reply, err
	}
	var warnings []string
	var raised []app.Alarm
	err := s.db.Update(func(tx kv.Tx) error {
		reply.Results, reply.Alarms, reply.Accounts, warnings = reply.Results[:0], nil, nil, nil
		p := &pusher{s: s, tx: tx, kiosk: kioskID, role: role, epoch: b.Epoch, now: s.now()}
		if err := p.run(b.Events, &reply); err != nil {
			return err
		}
		warnings, raised = p.warnings, p.raised
		var err error
		if reply.Accounts, err = p.replyAccounts(); err != nil {
			return err
		}
		// The alarms raised now are among the recent ones.
		reply.Alarms, err = recentKioskAlarms(tx, kioskID, p.now.Add(-24*time.Hour), s.loc)
		return err
	})
	if err != nil {
		return app.PushReply{}, err
	}
	reply.ServerTime = s.now()
	for _, w := range warnings { // one per event: counted, bounded
		s.pushWarns.Add(kioskID, w)
	}
	for _, a := range raised {
		if a.Count <= 1 {
			s.log.Error("alarm", "code", a.Code, "kiosk", a.KioskID, "message", a.Message)
		} else { // again the same day: counted, logged in bounded volume
			s.repeats.Add(a.Code, a.KioskID+": "+a.Message)
		}
	}
	var acc, dup, rej int
	for _, r := range reply.Results {
		switch r.Status {
		case app.EventAccepted:
			acc++
		case app.EventDuplicate:
			dup++
		case app.EventRejected:
			rej++
		}
	}
	s.log.Info("push", "kiosk", kioskID, "epoch", b.Epoch, "accepted", acc, "duplicate", dup, "rejected", rej, "acked_seq", reply.Kiosk.AckedSeq)
	return reply, nil
}

type pusher struct {
	s        *Server
	tx       kv.Tx
	kiosk    string
	role     string // the token's (roleLegacy: both kiosk roles)
	epoch    string
	now      time.Time
	warnings []string
	// accounts the batch's meals concern: the reply carries their balances.
	accounts map[app.AccountID]bool
	// raised are the alarms this batch raised (logged after the commit).
	raised []app.Alarm
	// The batch's meals charged at the server's price instead of the
	// kiosk's, and its voids refused: one alarm each per batch, with the
	// first as the example.
	mismatches, voidsRefused    int
	firstMismatch, firstRefusal string
	// office: a void by the office (OfficeVoid), not by a kiosk.
	office bool
	// prices: the price history read whole for the batch (push_prefetch.go).
	prices *priceBook
}

// noteAccount notes the family account of a meal event (re-sent or not).
func (p *pusher) noteAccount(e app.OutboxEvent) {
	if e.Kind != app.EventMealRecorded {
		return
	}
	var m struct {
		AccountID app.AccountID `json:"account_id"`
	}
	if json.Unmarshal(e.Payload, &m) == nil && m.AccountID != "" {
		p.addAccount(m.AccountID)
	}
}

func (p *pusher) addAccount(a app.AccountID) {
	if p.accounts == nil {
		p.accounts = map[app.AccountID]bool{}
	}
	p.accounts[a] = true
}

// replyAccounts reads the noted accounts as they stand after the batch.
func (p *pusher) replyAccounts() ([]app.Account, error) {
	ids := make([]string, 0, len(p.accounts))
	for a := range p.accounts {
		ids = append(ids, string(a))
	}
	slices.Sort(ids)
	var out []app.Account
	for _, id := range ids {
		a, ok, err := getJSON[app.Account](p.tx, app.KindAccount, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// alarm raises an alarm about the pushing kiosk: it counts in the
// kiosk's aggregate of the day for the code (alarms.go), which is kept in
// p.raised. The push's reply carries it among the kiosk's recent alarms
// (PushAs reads them after the run).
func (p *pusher) alarm(code, format string, args ...any) error {
	return p.alarmN(code, 1, format, args...)
}

// alarmN raises an alarm that counts n occurrences (n rejected events).
func (p *pusher) alarmN(code string, n int, format string, args ...any) error {
	a := app.Alarm{Code: code, KioskID: p.kiosk, At: p.now, Message: fmt.Sprintf(format, args...)}
	agg, err := raiseKioskAlarm(p.tx, app.Day(p.now.In(p.s.loc).Format(time.DateOnly)), a, n)
	if err != nil {
		return err
	}
	p.raised = append(p.raised, agg)
	return nil
}

func (p *pusher) run(events []app.OutboxEvent, reply *app.PushReply) error {
	tx := p.tx
	p.prefetch(events) // push_prefetch.go
	ks, err := getKiosk(tx, p.kiosk)
	if err != nil {
		return err
	}
	st := ks.Streams[p.epoch]
	if st == nil {
		if len(ks.Streams) > 0 {
			var known []string
			for e, o := range ks.Streams {
				known = append(known, fmt.Sprintf("%s (acked %d)", e, o.Acked))
			}
			slices.Sort(known)
			if err := p.alarm(app.AlarmEpochChanged, "kiosk %s pushes from a database (epoch %s) the server has not seen; it knew %s: the kiosk's database was replaced or recreated",
				p.kiosk, p.epoch, strings.Join(known, ", ")); err != nil {
				return err
			}
		}
		st = &streamState{Since: p.now}
		ks.Streams[p.epoch] = st
	}
	ks.Epoch = p.epoch
	kb, err := tx.Bucket(bStreams).CreateBucketIfNotExists([]byte(p.kiosk))
	if err != nil {
		return err
	}
	stream, err := kb.CreateBucketIfNotExists([]byte(p.epoch))
	if err != nil {
		return err
	}
	evb := tx.Bucket(bEvents)
	meta := tx.Bucket(bMeta)
	var conflicts []uint64
	rejected := 0
	for _, e := range events {
		ack := app.EventAck{ID: e.ID, Seq: e.Seq}
		// An id that breaks the rule is never a key: the event is kept,
		// rejected, under a key made from it (a retry finds it again).
		badID := central.CheckID(e.ID)
		if badID != nil {
			e.ID = badEventKey(e.ID)
		}
		seqKey := u64(e.Seq)
		slot := stream.Get(seqKey)
		if old := evb.Get([]byte(e.ID)); old != nil {
			ack.Status = app.EventDuplicate
			var prev ReviewItem
			if err := json.Unmarshal(old, &prev); err != nil {
				return fmt.Errorf("event %s: stored: %w", e.ID, err)
			}
			if !sameEvent(prev.OutboxEvent, e) || prev.KioskID != p.kiosk {
				p.warnings = append(p.warnings, fmt.Sprintf("event %s sent again with a different content (first from kiosk %s, seq %d, kind %s; now seq %d, kind %s): the first is kept",
					e.ID, prev.KioskID, prev.Seq, prev.Kind, e.Seq, e.Kind))
			}
			// The answer repeats the first one's substance, so that a
			// kiosk whose first answer was lost learns it all the same: a
			// rejected event is rejected again with its reason, flags are
			// repeated.
			ack.Flags = prev.Flags
			if prev.Status == app.EventRejected {
				ack.Status, ack.Reason, ack.Code = app.EventRejected, prev.Reason, prev.Code
			}
			p.noteAccount(prev.OutboxEvent)
			// The id is held: it fills its slot in this stream if empty
			// (the same event re-sent under another stream's number).
			if slot == nil {
				if err := stream.Put(seqKey, []byte(e.ID)); err != nil {
					return err
				}
				st.Max = max(st.Max, e.Seq)
			}
			reply.Results = append(reply.Results, ack)
			continue
		}
		item := ReviewItem{OutboxEvent: e, KioskID: p.kiosk, Epoch: p.epoch, ReceivedAt: p.now}
		if badID != nil {
			reject(&item, "event id %s: %v (kept as %s)", logagg.Escape(ack.ID, 80), badID, e.ID)
		} else if err := p.apply(&item); err != nil {
			return err
		}
		switch {
		case slot == nil:
			if err := stream.Put(seqKey, []byte(e.ID)); err != nil {
				return err
			}
		case !bytes.Equal(slot, []byte(e.ID)):
			// Another event already holds this number: the kiosk's
			// database reuses numbers (restored from an old copy). The
			// event is still a real meal: stored and applied, flagged.
			item.Flags = append(item.Flags, app.FlagSeqConflict)
			conflicts = append(conflicts, e.Seq)
		}
		st.Max = max(st.Max, e.Seq)
		if item.Status == app.EventRejected {
			rejected++
		}
		data, err := json.Marshal(item)
		if err != nil {
			return err
		}
		if err := errors.Join(evb.Put([]byte(e.ID), data), addU64(meta, kEvents, 1)); err != nil {
			return err
		}
		if item.Status == app.EventRejected || len(item.Flags) > 0 {
			if err := tx.Bucket(bReview).Put([]byte(e.ID), nil); err != nil {
				return err
			}
		}
		ks.Events++
		ack.Status, ack.Reason, ack.Code, ack.Flags = item.Status, item.Reason, item.Code, item.Flags
		reply.Results = append(reply.Results, ack)
	}

	// The acknowledged watermark moves over every number held, and stops
	// at the first hole.
	c := stream.Cursor()
	for k, _ := c.Seek(u64(st.Acked + 1)); k != nil && binary.BigEndian.Uint64(k) == st.Acked+1; k, _ = c.Next() {
		st.Acked++
	}
	if st.Max > st.Acked && st.GapAlarmed != st.Acked+1 {
		st.GapAlarmed = st.Acked + 1
		if err := p.alarm(app.AlarmSeqGap, "kiosk %s (epoch %s): the server holds events up to seq %d but not seq %d; the acknowledged sequence stops at %d until it arrives",
			p.kiosk, p.epoch, st.Max, st.Acked+1, st.Acked); err != nil {
			return err
		}
	}
	if len(conflicts) > 0 {
		if err := p.alarm(app.AlarmRestoredCopy, "kiosk %s (epoch %s) sent %d events with sequence numbers the server already holds for other events (seq %d…%d): its database was restored from an old copy; the events are kept, flagged %s",
			p.kiosk, p.epoch, len(conflicts), slices.Min(conflicts), slices.Max(conflicts), app.FlagSeqConflict); err != nil {
			return err
		}
	}
	if rejected > 0 {
		// Counted per event: the day's aggregate says how many. The
		// message names no event (each is in review with its reason): the
		// kiosk keeps one alarm per code and message, so a message that
		// changed with every push would pile up alarms on its screen.
		if err := p.alarmN(app.AlarmRejected, rejected, "kiosk %s: %d events rejected, kept aside for review", p.kiosk, rejected); err != nil {
			return err
		}
	}
	if n := p.mismatches; n > 0 {
		if err := p.alarmN(app.AlarmPriceMismatch, n, "kiosk %s: %d meals pushed at a price other than the fee band's, charged at the server's price (%s); the kiosk's balances follow at its next sync",
			p.kiosk, n, p.firstMismatch); err != nil {
			return err
		}
	}
	if n := p.voidsRefused; n > 0 {
		if err := p.alarmN(app.AlarmVoidRefused, n, "kiosk %s: %d voids refused, nothing given back (%s); the office can void with `central void`",
			p.kiosk, n, p.firstRefusal); err != nil {
			return err
		}
	}
	data, err := json.Marshal(ks)
	if err != nil {
		return err
	}
	reply.Kiosk = app.KioskView{KioskID: p.kiosk, Epoch: p.epoch, AckedSeq: st.Acked}
	return tx.Bucket(bKiosks).Put([]byte(p.kiosk), data)
}

// badEventKey is the key an event whose id breaks the rule is kept under.
func badEventKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return "bad-id-" + hex.EncodeToString(h[:16])
}

// idErr checks an id a payload names.
func idErr(field, id string) error {
	if err := central.CheckID(id); err != nil {
		return fmt.Errorf("%s %w", field, err)
	}
	return nil
}

func sameEvent(a, b app.OutboxEvent) bool {
	if a.Kind != b.Kind || a.Seq != b.Seq || !a.At.Equal(b.At) {
		return false
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a.Payload) != nil || json.Compact(&cb, b.Payload) != nil {
		return bytes.Equal(a.Payload, b.Payload)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// reject marks the item rejected with a reason.
func reject(item *ReviewItem, format string, args ...any) {
	item.Status = app.EventRejected
	item.Reason = fmt.Sprintf(format, args...)
}

// rejectCode marks the item rejected with a reason code (app.Reject*) and
// a reason; the reason starts with the code.
func rejectCode(item *ReviewItem, code, format string, args ...any) {
	reject(item, "%s: %s", code, fmt.Sprintf(format, args...))
	item.Code = code
}

// apply validates one new event and applies it: item.Status, Reason and
// Flags say what happened. An error is the store's, and fails the batch.
func (p *pusher) apply(item *ReviewItem) error {
	item.Status = app.EventAccepted
	e := item.OutboxEvent
	switch {
	case e.At.IsZero():
		reject(item, "the event has no time")
		return nil
	case e.At.Before(earliest) || e.At.After(p.now.Add(maxAhead)):
		reject(item, "event time %s is absurd (server time %s): the kiosk's clock is wrong", e.At.UTC().Format(time.RFC3339), p.now.Format(time.RFC3339))
		return nil
	}
	if !eventAllowed(p.role, e.Kind) {
		rejectCode(item, app.RejectWrongRole, "kiosk %s's token is for the %s role, which may not push %s events", p.kiosk, p.role, e.Kind)
		return nil
	}
	switch e.Kind {
	case app.EventMealRecorded:
		return p.mealRecorded(item)
	case app.EventMealVoided:
		return p.mealVoided(item)
	case app.EventStaffAction:
		var a app.StaffAction
		if !decodePayload(item, &a, "staff_id and action", func(a app.StaffAction) bool { return a.StaffID != "" && a.Action != "" }) {
			return nil
		}
		if err := central.CheckID(a.StaffID); err != nil {
			reject(item, "staff_id %v", err)
		}
		return nil
	case app.EventMessageRead:
		return p.pushMessageRead(item) // messages.go
	}
	reject(item, "unknown event kind %q", e.Kind)
	return nil
}

// decodePayload decodes item's payload into v (strictJSON) and, when
// complete is given, checks that the fields it requires are set (fields
// names them for the reason). A payload that fails either is rejected as
// malformed, and decodePayload returns false.
func decodePayload[T any](item *ReviewItem, v *T, fields string, complete func(T) bool) bool {
	if err := strictJSON(item.Payload, v); err != nil {
		reject(item, "malformed payload: %v", err)
		return false
	}
	if complete != nil && !complete(*v) {
		reject(item, "malformed payload: %s are required", fields)
		return false
	}
	return true
}

// strictJSON decodes one JSON value, refusing trailing data.
func strictJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func servedKey(m app.Meal) []byte { return key(string(m.Day), string(m.Service), string(m.PupilID)) }

func (p *pusher) mealRecorded(item *ReviewItem) error {
	e := item.OutboxEvent
	var m app.Meal
	if !decodePayload(item, &m, "", nil) {
		return nil
	}
	switch {
	case m.EventID != e.ID:
		reject(item, "payload event_id %q is not the event's id", m.EventID)
		return nil
	case m.Seq != 0 && m.Seq != e.Seq:
		reject(item, "payload seq %d is not the event's seq %d", m.Seq, e.Seq)
		return nil
	case m.Service != app.ServiceLunch:
		reject(item, "unknown service %q", m.Service)
		return nil
	case !validDay(m.Day):
		reject(item, "bad day %q: want YYYY-MM-DD", m.Day)
		return nil
	case m.Price < 0 || m.Price > central.MaxMealPrice:
		reject(item, "price %d cents out of range 0…%d", m.Price, central.MaxMealPrice)
		return nil
	}
	// The day is the kiosk's civil date of the meal: within a day of its
	// time whatever the time zone.
	if day, _ := time.Parse(time.DateOnly, string(m.Day)); !m.At.IsZero() && (m.At.Sub(day) < -14*time.Hour || m.At.Sub(day) > 38*time.Hour) {
		reject(item, "day %s does not match the meal's time %s", m.Day, m.At.UTC().Format(time.RFC3339))
		return nil
	}
	if m.KioskID != "" && m.KioskID != p.kiosk {
		p.warnings = append(p.warnings, fmt.Sprintf("meal %s names kiosk %q but came with kiosk %s's token: the token counts", e.ID, m.KioskID, p.kiosk))
	}
	pupil, ok, err := getJSON[app.Pupil](p.tx, app.KindPupil, string(m.PupilID))
	if err != nil {
		return err
	}
	if !ok {
		reject(item, "unknown pupil %q", m.PupilID)
		return nil
	}
	if pupil.AccountID != m.AccountID {
		reject(item, "pupil/account mismatch: pupil %s belongs to account %s, the meal names account %q", m.PupilID, pupil.AccountID, m.AccountID)
		return nil
	}
	p.addAccount(m.AccountID)
	if err := indexPupilMeal(p.tx, m, e.ID); err != nil { // family.go
		return err
	}
	// The server's price, from the pupil's fee band on the meal's day and
	// time (prices.go); the kiosk's is what it showed.
	at := m.At
	if at.IsZero() {
		at = e.At
	}
	price, err := p.priceOn(pupil, m.Day, at)
	if err != nil {
		return err
	}
	item.ServerPrice = &price
	if m.Price != price && !m.Voided { // a meal voided before it was pushed moves no money
		item.Flags = append(item.Flags, app.FlagPriceMismatch)
		if p.mismatches++; p.mismatches == 1 {
			p.firstMismatch = fmt.Sprintf("e.g. meal %s, pupil %s, %s: kiosk %d cents, fee band %d cents", e.ID, m.PupilID, m.Day, m.Price, price)
		}
	}
	if m.Voided {
		// Voided on the kiosk before it was pushed: kept, never charged.
		item.Voided = true
		return nil
	}
	served := p.tx.Bucket(bServed)
	if first := served.Get(servedKey(m)); first != nil {
		// Two kiosks (offline) served the same pupil the same meal: the
		// first is charged; this one is kept, not charged, for staff.
		item.Flags = append(item.Flags, app.FlagDoubleServe)
		return nil
	}
	bal, err := p.charge(m.AccountID, price)
	if err != nil {
		return err
	}
	if err := errors.Join(served.Put(servedKey(m), []byte(e.ID)), addU64(p.tx.Bucket(bMeta), kCharged, 1)); err != nil {
		return err
	}
	item.Charged = true
	if bal < 0 {
		item.Flags = append(item.Flags, app.FlagBelowZero)
	}
	return nil
}

// charge adds price to the account's charges (a negative price refunds)
// and rewrites the account record at a new revision, so that kiosks pull
// the new balance. It returns the balance after.
func (p *pusher) charge(acc app.AccountID, price app.Cents) (app.Cents, error) {
	rec, ok, err := getJSON[app.Account](p.tx, app.KindAccount, string(acc))
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("account %s of a known pupil is missing", acc)
	}
	opening, charged, _ := getLedger(p.tx, acc)
	charged += price
	rec.Balance, rec.BalanceAsOf = opening-charged, p.now
	data, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	if _, _, err := putRecord(p.tx, app.KindAccount, string(acc), data); err != nil {
		return 0, err
	}
	return rec.Balance, putLedger(p.tx, acc, opening, charged)
}

func (p *pusher) mealVoided(item *ReviewItem) error {
	var v app.MealVoid
	if !decodePayload(item, &v, "meal_event_id and staff_id", func(v app.MealVoid) bool { return v.MealEventID != "" && v.StaffID != "" }) {
		return nil
	}
	// A kiosk's void holds to the id rule; the office's (OfficeVoid,
	// checked there) may name its staff as the office writes them.
	if err := errors.Join(idErr("meal_event_id", v.MealEventID), idErr("staff_id", v.StaffID)); err != nil && !p.office {
		reject(item, "%v", err)
		return nil
	}
	evb := p.tx.Bucket(bEvents)
	raw := evb.Get([]byte(v.MealEventID))
	if raw == nil {
		reject(item, "unknown meal %q: nothing to void", v.MealEventID)
		return nil
	}
	var meal ReviewItem
	if err := json.Unmarshal(raw, &meal); err != nil {
		return fmt.Errorf("event %s: stored: %w", v.MealEventID, err)
	}
	switch {
	case meal.Kind != app.EventMealRecorded:
		reject(item, "event %q is a %s, not a meal", v.MealEventID, meal.Kind)
		return nil
	case meal.Status == app.EventRejected:
		reject(item, "meal %q was rejected: nothing to void", v.MealEventID)
		return nil
	}
	m, err := app.MealPayload(meal.OutboxEvent)
	if err != nil {
		return fmt.Errorf("event %s: stored payload: %w", v.MealEventID, err)
	}
	if meal.KioskID != p.kiosk && !p.office {
		p.refuseVoid(item, app.RejectVoidOtherKiosk, "meal %s was recorded by kiosk %s, not by kiosk %s: only the kiosk that recorded a meal (or the office) may void it", meal.ID, meal.KioskID, p.kiosk)
		return nil
	}
	if !p.office {
		staff, ok, err := getJSON[app.Staff](p.tx, app.KindStaff, v.StaffID)
		switch {
		case err != nil:
			return err
		case !ok:
			p.refuseVoid(item, app.RejectVoidUnknownStaff, "staff id %q is not on the roster: nobody may void meal %s in that name", v.StaffID, meal.ID)
			return nil
		case !app.StaffMayVoid(staff.Role):
			p.refuseVoid(item, app.RejectVoidNotAllowed, "staff member %s (role %q) may not void meals (meal %s)", v.StaffID, staff.Role, meal.ID)
			return nil
		}
	}
	if meal.Voided {
		return nil // voided before: nothing more to do
	}
	if meal.Charged {
		if _, err := p.charge(m.AccountID, -chargedPrice(meal, m)); err != nil {
			return err
		}
		served := p.tx.Bucket(bServed)
		if bytes.Equal(served.Get(servedKey(m)), []byte(meal.ID)) {
			if err := served.Delete(servedKey(m)); err != nil {
				return err
			}
		}
		if err := addU64(p.tx.Bucket(bMeta), kCharged, -1); err != nil {
			return err
		}
		p.addAccount(m.AccountID)
		// A double serve held uncharged because this meal was charged is
		// now the meal the pupil had: charge it, whatever order the void
		// and the double serve arrived in.
		if err := p.promoteDoubleServe(m, meal.ID); err != nil {
			return err
		}
	}
	meal.Charged, meal.Voided, meal.VoidedBy = false, true, item.ID
	data, err := json.Marshal(meal)
	if err != nil {
		return err
	}
	return evb.Put([]byte(meal.ID), data)
}

// promoteDoubleServe charges the earliest double serve of the voided meal's
// pupil, day and service that is neither charged nor voided, if any. It
// stays in review with its flag. Voids are rare and the review list short:
// a scan of it is cheap.
func (p *pusher) promoteDoubleServe(voided app.Meal, voidedID string) error {
	evb := p.tx.Bucket(bEvents)
	var best *ReviewItem
	var bestMeal app.Meal
	err := p.tx.Bucket(bReview).ForEach(func(id, _ []byte) error {
		if string(id) == voidedID {
			return nil
		}
		raw := evb.Get(id)
		if raw == nil {
			return nil
		}
		var it ReviewItem
		if err := json.Unmarshal(raw, &it); err != nil {
			return fmt.Errorf("event %s: stored: %w", id, err)
		}
		if it.Kind != app.EventMealRecorded || it.Charged || it.Voided || it.Status == app.EventRejected || !slices.Contains(it.Flags, app.FlagDoubleServe) {
			return nil
		}
		m, err := app.MealPayload(it.OutboxEvent)
		if err != nil || !bytes.Equal(servedKey(m), servedKey(voided)) {
			return nil
		}
		if best == nil || m.At.Before(bestMeal.At) {
			best, bestMeal = &it, m
		}
		return nil
	})
	if err != nil || best == nil {
		return err
	}
	bal, err := p.charge(bestMeal.AccountID, chargedPrice(*best, bestMeal))
	if err != nil {
		return err
	}
	best.Charged = true
	if bal < 0 && !slices.Contains(best.Flags, app.FlagBelowZero) {
		best.Flags = append(best.Flags, app.FlagBelowZero)
	}
	data, err := json.Marshal(best)
	if err != nil {
		return err
	}
	return errors.Join(evb.Put([]byte(best.ID), data), p.tx.Bucket(bServed).Put(servedKey(bestMeal), []byte(best.ID)),
		addU64(p.tx.Bucket(bMeta), kCharged, 1))
}

// chargedPrice is what a meal charges (and a void gives back): the
// server's price, or the kiosk's for a meal stored before the server
// priced meals.
func chargedPrice(it ReviewItem, m app.Meal) app.Cents {
	if it.ServerPrice != nil {
		return *it.ServerPrice
	}
	return m.Price
}

// refuseVoid rejects a void with its code; the batch raises one
// void_refused alarm for the office.
func (p *pusher) refuseVoid(item *ReviewItem, code, format string, args ...any) {
	rejectCode(item, code, format, args...)
	if p.voidsRefused++; p.voidsRefused == 1 {
		p.firstRefusal = "e.g. " + item.Reason
	}
}
