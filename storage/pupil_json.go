package storage

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"mensakiosk/app"
)

// A pupil record as json.Marshal writes it (putJSON), decoded without
// encoding/json's reflection: the day's report reads every pupil of the
// roster, and decoding 50,000 of them through encoding/json was half of
// its time. The fast path accepts only the exact shape this store writes
// (known keys, each once, no whitespace, strings without escapes, small
// non-negative integers) and falls back to encoding/json on anything else,
// so that the result is always what json.Unmarshal gives (FuzzPupilDecoder
// checks it).

// pupilDecoder decodes pupil records. It hands out weekday lists and
// diets from slabs it allocates in chunks, each pupil's slice capped at its
// own length so an append on one cannot write into another's.
type pupilDecoder struct {
	weekdays  []time.Weekday
	diets     []app.Diet
	allergens []string
}

// decode reads a pupil record into *p (which it overwrites).
func (d *pupilDecoder) decode(v []byte, p *app.Pupil) error {
	if d.fast(v, p) {
		return nil
	}
	*p = app.Pupil{}
	return json.Unmarshal(v, p)
}

// Keys of app.Pupil and app.Diet as json.Marshal writes them.
const (
	pkID = 1 << iota
	pkAccount
	pkFirst
	pkLast
	pkFiscal
	pkSchool
	pkClass
	pkWeekdays
	pkFeeBand
	pkMealPrice
	pkDiet
)

// fast decodes v into *p if it has the shape putJSON writes; false
// otherwise (*p is then garbage).
func (d *pupilDecoder) fast(v []byte, p *app.Pupil) bool {
	*p = app.Pupil{}
	if !utf8.Valid(v) { // encoding/json would replace bad bytes
		return false
	}
	s := string(v) // one copy; every field is a substring of it
	sc := scanner{s: s}
	if !sc.byte('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		if sc.byte('}') {
			return sc.i == len(s)
		}
		if !first && !sc.byte(',') {
			return false
		}
		key, ok := sc.str()
		if !ok || !sc.byte(':') {
			return false
		}
		var bit int
		switch key {
		case "id":
			bit = pkID
			p.ID = app.PupilID(sc.strOr(&ok))
		case "account_id":
			bit = pkAccount
			p.AccountID = app.AccountID(sc.strOr(&ok))
		case "first_name":
			bit = pkFirst
			p.FirstName = sc.strOr(&ok)
		case "last_name":
			bit = pkLast
			p.LastName = sc.strOr(&ok)
		case "fiscal_code":
			bit = pkFiscal
			p.FiscalCode = sc.strOr(&ok)
		case "school":
			bit = pkSchool
			p.School = sc.strOr(&ok)
		case "class":
			bit = pkClass
			p.Class = sc.strOr(&ok)
		case "fee_band":
			bit = pkFeeBand
			p.FeeBand = sc.strOr(&ok)
		case "meal_price":
			bit = pkMealPrice
			var n int64
			n, ok = sc.int()
			p.MealPrice = app.Cents(n)
		case "weekdays":
			bit = pkWeekdays
			ok = d.weekdayList(&sc, p)
		case "diet":
			bit = pkDiet
			ok = d.diet(&sc, p)
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

func (d *pupilDecoder) weekdayList(sc *scanner, p *app.Pupil) bool {
	if sc.lit("null") {
		return true
	}
	if !sc.byte('[') {
		return false
	}
	if len(d.weekdays) < 7 {
		d.weekdays = make([]time.Weekday, 4096)
	}
	n := 0
	if !sc.byte(']') {
		for {
			w, ok := sc.int()
			if !ok || n == len(d.weekdays) {
				return false
			}
			d.weekdays[n] = time.Weekday(w)
			n++
			if sc.byte(']') {
				break
			}
			if !sc.byte(',') {
				return false
			}
		}
	}
	p.Weekdays = d.weekdays[:n:n]
	d.weekdays = d.weekdays[n:]
	return true
}

func (d *pupilDecoder) diet(sc *scanner, p *app.Pupil) bool {
	if sc.lit("null") {
		return true
	}
	if !sc.byte('{') {
		return false
	}
	if len(d.diets) == 0 {
		d.diets = make([]app.Diet, 256)
	}
	dt := &d.diets[0]
	*dt = app.Diet{}
	const (
		dkCode = 1 << iota
		dkName
		dkAllergens
	)
	seen := 0
	for first := true; ; first = false {
		if sc.byte('}') {
			break
		}
		if !first && !sc.byte(',') {
			return false
		}
		key, ok := sc.str()
		if !ok || !sc.byte(':') {
			return false
		}
		var bit int
		switch key {
		case "code":
			bit = dkCode
			dt.Code = sc.strOr(&ok)
		case "name":
			bit = dkName
			dt.Name = sc.strOr(&ok)
		case "allergens":
			bit = dkAllergens
			ok = d.allergenList(sc, dt)
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	p.Diet = dt
	d.diets = d.diets[1:]
	return true
}

func (d *pupilDecoder) allergenList(sc *scanner, dt *app.Diet) bool {
	if sc.lit("null") {
		return true
	}
	if !sc.byte('[') {
		return false
	}
	if len(d.allergens) < 64 {
		d.allergens = make([]string, 1024)
	}
	n := 0
	if !sc.byte(']') {
		for {
			a, ok := sc.str()
			if !ok || n == len(d.allergens) {
				return false
			}
			d.allergens[n] = a
			n++
			if sc.byte(']') {
				break
			}
			if !sc.byte(',') {
				return false
			}
		}
	}
	dt.Allergens = d.allergens[:n:n]
	d.allergens = d.allergens[n:]
	return true
}

// scanner reads the strict JSON subset of fast.
type scanner struct {
	s string
	i int
}

func (sc *scanner) byte(c byte) bool {
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

func (sc *scanner) lit(l string) bool {
	if len(sc.s)-sc.i >= len(l) && sc.s[sc.i:sc.i+len(l)] == l {
		sc.i += len(l)
		return true
	}
	return false
}

// str reads a string without escapes or control characters.
func (sc *scanner) str() (string, bool) {
	if !sc.byte('"') {
		return "", false
	}
	start := sc.i
	for ; sc.i < len(sc.s); sc.i++ {
		switch c := sc.s[sc.i]; {
		case c == '"':
			sc.i++
			return sc.s[start : sc.i-1], true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// strOr is str for a chain of fields: it clears *ok on failure.
func (sc *scanner) strOr(ok *bool) string {
	s, good := sc.str()
	*ok = *ok && good
	return s
}

// int reads a non-negative integer of at most 15 digits, without a
// leading zero (so that it fits any of our integer fields).
func (sc *scanner) int() (int64, bool) {
	start := sc.i
	var n int64
	for sc.i < len(sc.s) && sc.s[sc.i] >= '0' && sc.s[sc.i] <= '9' {
		n = n*10 + int64(sc.s[sc.i]-'0')
		sc.i++
	}
	digits := sc.i - start
	if digits == 0 || digits > 15 || (digits > 1 && sc.s[start] == '0') {
		return 0, false
	}
	// A number must end here: "1.5" or "1e3" is encoding/json's to judge.
	if sc.i < len(sc.s) {
		if c := sc.s[sc.i]; c == '.' || c == 'e' || c == 'E' {
			return 0, false
		}
	}
	return n, true
}
