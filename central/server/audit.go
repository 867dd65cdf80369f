package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// The staff audit trail (PRODUCT.md §4): every staff action a kiosk
// recorded reaches the server as a staff.action event in its outbox, and a
// void as a meal.voided event naming the staff member. The server stores
// them with the other events; Audit lists them for the Comune's office.

// AuditQuery selects audit entries. Zero fields select everything.
type AuditQuery struct {
	// Kiosk keeps one kiosk's entries.
	Kiosk string `json:"kiosk,omitempty"`
	// Day keeps the entries of one civil day in the server's time zone.
	Day app.Day `json:"day,omitempty"`
	// From and To keep the entries with From ≤ At < To.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Limit keeps the newest Limit entries (0: all).
	Limit int `json:"limit,omitempty"`
}

// AuditEntry is one staff action: who did what, where and when (the
// kiosk's time of the event). A void reads as Action "meal.voided" with
// the meal and the reason in Detail.
type AuditEntry struct {
	KioskID string    `json:"kiosk_id"`
	EventID string    `json:"event_id"`
	Seq     uint64    `json:"seq"`
	At      time.Time `json:"at"`
	app.StaffAction
	// Rejected is the server's reason when it refused the event (a void
	// of an unknown meal, say); the action was still attempted.
	Rejected string `json:"rejected,omitempty"`
}

// Audit lists the staff actions and voids that match q, oldest first. It
// reads every stored event: an administrator's command, not a request
// path.
func (s *Server) Audit(q AuditQuery) ([]AuditEntry, error) {
	if q.Day != "" {
		d, err := time.ParseInLocation(time.DateOnly, string(q.Day), s.loc)
		if err != nil {
			return nil, fmt.Errorf("audit: day %q: want YYYY-MM-DD", q.Day)
		}
		if q.From.IsZero() || d.After(q.From) {
			q.From = d
		}
		if end := d.AddDate(0, 0, 1); q.To.IsZero() || end.Before(q.To) {
			q.To = end
		}
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("audit: limit %d: want 0 (all) or more", q.Limit)
	}
	var out []AuditEntry
	err := s.db.View(func(tx kv.Tx) error {
		out = out[:0]
		return forEachStored(tx.Bucket(bEvents), "event %s: stored", func(k []byte, it ReviewItem) error {
			if it.Kind != app.EventStaffAction && it.Kind != app.EventMealVoided {
				return nil
			}
			if (q.Kiosk != "" && it.KioskID != q.Kiosk) || (!q.From.IsZero() && it.At.Before(q.From)) ||
				(!q.To.IsZero() && !it.At.Before(q.To)) {
				return nil
			}
			e := AuditEntry{KioskID: it.KioskID, EventID: it.ID, Seq: it.Seq, At: it.At}
			if it.Status == app.EventRejected {
				e.Rejected = it.Reason
			}
			switch it.Kind {
			case app.EventStaffAction:
				// A rejected payload may not decode: the entry then says
				// only that something was refused.
				_ = json.Unmarshal(it.Payload, &e.StaffAction)
			case app.EventMealVoided:
				var mv app.MealVoid
				_ = json.Unmarshal(it.Payload, &mv)
				e.StaffAction = app.StaffAction{StaffID: mv.StaffID, Action: app.EventMealVoided,
					Detail: fmt.Sprintf("meal %s: %s", mv.MealEventID, mv.Reason)}
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b AuditEntry) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.KioskID, b.KioskID), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.EventID, b.EventID))
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// auditQuery reads ?kiosk=&day=&from=&to=&limit= (times RFC 3339).
func auditQuery(v url.Values) (AuditQuery, error) {
	q := AuditQuery{Kiosk: v.Get("kiosk"), Day: app.Day(v.Get("day"))}
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, fmt.Errorf("%s %q: want RFC 3339", f.name, s)
			}
			*f.t = t
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return q, fmt.Errorf("limit %q: want a whole number", s)
		}
		q.Limit = n
	}
	return q, nil
}

func (q AuditQuery) values() url.Values {
	v := url.Values{}
	if q.Kiosk != "" {
		v.Set("kiosk", q.Kiosk)
	}
	if q.Day != "" {
		v.Set("day", string(q.Day))
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// adminAudit answers GET /admin/audit.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) {
	q, err := auditQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "", err.Error())
		return
	}
	entries, err := s.Audit(q)
	if entries == nil {
		entries = []AuditEntry{}
	}
	answer(w, entries, err)
}
