package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// The menu and the school calendar as kiosks read them (GET /v1/menu),
// and the closed days the server applies itself: no booking change on a
// closed day (bookings.go) and nobody booked in the day's report
// (report.go).

// MenuCalendar reads the menu and closed days from..to (inclusive), every
// school's, with the menu groups and the current version.
func (s *Server) MenuCalendar(from, to app.Day) (app.MenuCalendar, error) {
	if !validDay(from) || !validDay(to) || to < from {
		return app.MenuCalendar{}, fmt.Errorf("menu: span %q..%q: want two days YYYY-MM-DD, the first not after the second", from, to)
	}
	if to > from.AddDays(central.MaxMenuDays) {
		return app.MenuCalendar{}, fmt.Errorf("menu: span %s..%s: at most %d days", from, to, central.MaxMenuDays)
	}
	mc := app.MenuCalendar{From: from, To: to, AsOf: s.now()}
	err := s.db.View(func(tx kv.Tx) error {
		mc.Version = s.menuVersionOf(tx)
		if b := tx.Bucket(bMenuGroups); b != nil {
			if err := b.ForEach(func(k, v []byte) error {
				mc.Groups = append(mc.Groups, app.MenuGroup{School: string(k), Group: string(v)})
				return nil
			}); err != nil {
				return err
			}
		}
		var err error
		if mc.Days, err = scanDays[app.MenuDay](tx, bMenuDays, from, to); err != nil {
			return err
		}
		mc.Closed, err = scanDays[app.ClosedDay](tx, bClosedDays, from, to)
		return err
	})
	return mc, err
}

// menuVersionOf is the version kiosks see: 21 bits of the database's id
// above the 32 bits of the revision (under 2^53, exact in any JSON
// reader), so a kiosk's version from another database (a restored
// server, whose revision may be the same number) does not read as
// current (but for one chance in two million).
func (s *Server) menuVersionOf(tx kv.Tx) uint64 {
	var id uint64
	if dbID := dbIDOf(tx); len(dbID) >= 4 {
		id = uint64(binary.BigEndian.Uint32(dbID[:4]) & 0x1fffff)
	}
	return id<<32 | menuVersion(tx)&0xffffffff
}

// scanDays decodes the values of a bucket keyed day \0 … whose day is in
// from..to, in key order.
func scanDays[T any](tx kv.Tx, name []byte, from, to app.Day) ([]T, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, nil
	}
	var out []T
	end := []byte(string(to) + "\x01")
	c := b.Cursor()
	for k, v := c.Seek([]byte(from)); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return out, fmt.Errorf("%s %q: %w", name, k, err)
		}
		out = append(out, x)
	}
	return out, nil
}

// closedDayTx says whether school has no canteen service on d: a national
// holiday, a closed day of every school or of this one.
func closedDayTx(tx kv.Tx, school string, d app.Day) (app.ClosedDay, bool, error) {
	if name, ok := app.NationalHoliday(d); ok {
		return app.ClosedDay{Day: d, Reason: app.ClosedHoliday, Note: name, National: true}, true, nil
	}
	b := tx.Bucket(bClosedDays)
	if b == nil {
		return app.ClosedDay{}, false, nil
	}
	for _, sc := range []string{"", school} {
		if raw := b.Get(key(string(d), sc)); raw != nil {
			var c app.ClosedDay
			if err := json.Unmarshal(raw, &c); err != nil {
				return app.ClosedDay{}, false, fmt.Errorf("closed day %s %q: %w", d, sc, err)
			}
			return c, true, nil
		}
	}
	return app.ClosedDay{}, false, nil
}

// closedSchools is, for the day's report, whether a school is closed on d.
func closedSchools(tx kv.Tx, d app.Day) (func(string) bool, error) {
	closed, err := scanDays[app.ClosedDay](tx, bClosedDays, d, d)
	if err != nil {
		return nil, err
	}
	return app.MenuCalendar{Closed: closed}.ClosedSchools(d), nil
}

// serveMenu answers GET /v1/menu; false when the path is another.
func (s *Server) serveMenu(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != central.PathMenu {
		return false
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return true
	}
	q := r.URL.Query()
	from, to := app.Day(q.Get("from")), app.Day(q.Get("to"))
	var version uint64
	if v := q.Get("version"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "version", "version "+strconv.Quote(v)+": want a number")
			return true
		}
		version = n
	}
	mc, err := s.MenuCalendar(from, to)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "from", err.Error())
		return true
	}
	if version != 0 && version == mc.Version {
		mc = app.MenuCalendar{Version: mc.Version, Unchanged: true, From: mc.From, To: mc.To, AsOf: mc.AsOf}
	}
	writeJSON(w, mc)
	return true
}
