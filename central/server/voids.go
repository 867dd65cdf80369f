package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// Voids. A kiosk voids a meal with a meal.voided event (push.go): only the
// kiosk that recorded the meal, in the name of a staff member the roster
// knows and whose role may void (app.StaffMayVoid); any other void is
// rejected with its code (app.RejectVoid*) and raises a void_refused alarm.
// The office voids any meal with `central void` (OfficeVoid), through the
// database or the admin socket, whose file permissions are its
// authentication.

// OfficeKiosk is the kiosk id an office void is stored under: not a valid
// kiosk id (ValidKioskID), so never a kiosk's.
const OfficeKiosk = "(office)"

// officeVoidPrefix makes an office void's event id from the meal's: the
// same void asked twice is one void.
const officeVoidPrefix = "office-void-"

// OfficeVoid voids meal mealEventID for the office: the family is given
// back what the meal charged, as for a kiosk's void, and the void is
// stored as a meal.voided event of OfficeKiosk (the audit trail lists it).
// staffID names who did it ("office" when empty). It returns the meal as
// stored after the void; voiding a voided meal again changes nothing.
func (s *Server) OfficeVoid(mealEventID, reason, staffID string) (ReviewItem, error) {
	if msg := checkID(mealEventID); msg != "" {
		return ReviewItem{}, fmt.Errorf("meal event id: %s", msg)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return ReviewItem{}, errors.New("give the reason of the void (at most 500 bytes)")
	}
	if staffID == "" {
		staffID = "office"
	}
	if msg := checkID(staffID); msg != "" {
		return ReviewItem{}, fmt.Errorf("staff: %s", msg)
	}
	var out ReviewItem
	var voided bool
	err := s.db.Update(func(tx kv.Tx) error {
		out, voided = ReviewItem{}, false // a rerun decodes afresh (omitted fields keep old values)
		now := s.now()
		evb := tx.Bucket(bEvents)
		raw := evb.Get([]byte(mealEventID))
		if raw == nil {
			return fmt.Errorf("unknown meal %q: nothing to void", mealEventID)
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return fmt.Errorf("event %s: stored: %w", mealEventID, err)
		}
		if out.Voided {
			return nil // voided before: nothing more to do
		}
		payload, err := json.Marshal(app.MealVoid{MealEventID: mealEventID, Reason: reason, StaffID: staffID})
		if err != nil {
			return err
		}
		id := officeVoidPrefix + mealEventID
		if evb.Get([]byte(id)) != nil {
			return fmt.Errorf("meal %s: an office void %s is stored but the meal is not voided", mealEventID, id)
		}
		item := ReviewItem{OutboxEvent: app.OutboxEvent{ID: id, Kind: app.EventMealVoided, At: now, Payload: payload},
			KioskID: OfficeKiosk, Status: app.EventAccepted, ReceivedAt: now}
		p := &pusher{s: s, tx: tx, kiosk: OfficeKiosk, role: roleLegacy, now: now, office: true}
		if err := p.mealVoided(&item); err != nil {
			return err
		}
		if item.Status == app.EventRejected {
			return errors.New(item.Reason)
		}
		data, err := json.Marshal(item)
		if err != nil {
			return err
		}
		if err := errors.Join(evb.Put([]byte(id), data), addU64(tx.Bucket(bMeta), kEvents, 1)); err != nil {
			return err
		}
		voided = true
		out = ReviewItem{}
		return json.Unmarshal(evb.Get([]byte(mealEventID)), &out)
	})
	if err != nil {
		return ReviewItem{}, err
	}
	if voided {
		s.log.Info("office void", "meal", mealEventID, "staff_id", staffID, "reason", reason)
	}
	return out, nil
}

func (s *Server) adminVoid(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, p := range []string{"meal", "reason"} {
		if len(q[p]) != 1 || q.Get(p) == "" {
			writeError(w, http.StatusBadRequest, "bad_request", p, "give "+p+" once")
			return
		}
	}
	it, err := s.OfficeVoid(q.Get("meal"), q.Get("reason"), q.Get("staff"))
	answer(w, it, err)
}

// OfficeVoid voids a meal for the office (see Server.OfficeVoid).
func (c *AdminClient) OfficeVoid(mealEventID, reason, staffID string) (ReviewItem, error) {
	var out ReviewItem
	q := url.Values{"meal": {mealEventID}, "reason": {reason}}
	if staffID != "" {
		q.Set("staff", staffID)
	}
	err := c.do(context.Background(), http.MethodPost, "/admin/void", q, "", nil, &out)
	return out, err
}
