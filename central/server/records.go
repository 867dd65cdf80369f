package server

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/pinhash"
)

// ImportData is what a Comune imports: the JSON import format (see
// docs/central.md), and what CSV files are read into. Records are upserted
// by id; Deleted removes records.
type ImportData struct {
	// Accounts: Balance is the opening balance; the server's balance is
	// the opening balance minus the meals charged since (plus voids).
	Accounts  []app.Account  `json:"accounts,omitempty"`
	Pupils    []app.Pupil    `json:"pupils,omitempty"`
	Badges    []app.Badge    `json:"badges,omitempty"`
	Bookings  []app.Booking  `json:"bookings,omitempty"`
	FeeBands  []app.FeeBand  `json:"fee_bands,omitempty"`
	Diets     []app.Diet     `json:"diets,omitempty"`
	Staff     []ImportStaff  `json:"staff,omitempty"`
	News      []app.News     `json:"news,omitempty"`
	Documents []app.Document `json:"documents,omitempty"`
	// AccessCodes are families' access codes in clear, by account: the
	// JSON import's "access_code" and the CSV's access_code column. They
	// are hashed on import (pinhash) and never stored; an account may
	// instead carry a pre-hashed AccessHash.
	AccessCodes map[app.AccountID]string `json:"-"`
	// Deleted names records to delete (a booking's id is "<day>/<pupil>").
	// An account is deleted only without pupils, a pupil only without
	// badges and bookings (delete those in the same import).
	Deleted []app.Ref `json:"deleted,omitempty"`
	// The menu, its groups and the school calendar (menu_import.go).
	Menu       []ImportMenuDish  `json:"menu,omitempty"`
	MenuGroups []app.MenuGroup   `json:"menu_groups,omitempty"`
	Calendar   []ImportClosedDay `json:"calendar,omitempty"`

	// where locates records read from CSV (kind → index → "pupils.csv
	// line 5") so that errors name the line.
	where map[string][]string
	// access: the access codes hashed before the transaction (access_codes.go).
	access *accessPrep
	// staffPINs: the staff PINs hashed before the transaction
	// (import_staff_pins.go).
	staffPINs staffPINs
}

// ImportStaff is a staff member as imported: a plain PIN (hashed on import,
// never stored) or an existing PIN hash.
type ImportStaff struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Role    string      `json:"role"`
	PIN     string      `json:"pin,omitempty"`
	PINHash string      `json:"pin_hash,omitempty"`
	BadgeID app.BadgeID `json:"badge_id,omitempty"`
}

// ImportStats says what an import did.
type ImportStats struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Deleted   int `json:"deleted"`
}

func (st ImportStats) String() string {
	return fmt.Sprintf("%d inserted, %d updated, %d unchanged, %d deleted", st.Inserted, st.Updated, st.Unchanged, st.Deleted)
}

// ImportError is an import refused: which record (a JSON path such as
// "pupils[3]", or "pupils.csv line 5"), which field, and why. Nothing was
// written.
type ImportError struct {
	Where string
	Field string
	Msg   string
}

func (e *ImportError) Error() string {
	s := "import: " + e.Where
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Msg
}

// FromRoster converts a kiosk roster (the demo's) into import data.
func FromRoster(r app.Roster) ImportData {
	return ImportData{
		Accounts: append([]app.Account(nil), r.Accounts...),
		Pupils:   append([]app.Pupil(nil), r.Pupils...),
		Badges:   append([]app.Badge(nil), r.Badges...),
		Bookings: append([]app.Booking(nil), r.Bookings...),
	}
}

func (d *ImportData) at(kind string, i int) string {
	if w := d.where[kind]; i < len(w) && w[i] != "" {
		return w[i]
	}
	return fmt.Sprintf("%s[%d]", plural(kind), i)
}

func plural(kind string) string {
	switch kind {
	case app.KindStaff, app.KindNews, kindMenu, kindCalendar:
		return kind
	}
	return kind + "s"
}

// checkID refuses ids that would break keys or logs.
func checkID(id string) string {
	switch {
	case id == "":
		return "missing"
	case len(id) > 128:
		return "longer than 128 bytes"
	case !utf8.ValidString(id):
		return "not UTF-8"
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return "holds a control character"
		}
	}
	return ""
}

func bookingID(b app.Booking) string { return string(b.Day) + "/" + string(b.PupilID) }

func validDay(d app.Day) bool {
	_, err := time.Parse(time.DateOnly, string(d))
	return err == nil
}

// Import upserts the records in d and applies its deletions, in one
// transaction: on any error nothing is written.
func (s *Server) Import(d ImportData) (ImportStats, error) {
	var err error
	if d.access, err = s.prepareAccessCodes(&d); err != nil { // access_codes.go
		return ImportStats{}, err
	}
	if d.staffPINs, err = s.prepareStaffPINs(&d); err != nil { // import_staff_pins.go
		return ImportStats{}, err
	}
	var st ImportStats
	err = s.db.Update(func(tx kv.Tx) error {
		st = ImportStats{}
		return s.importTx(tx, &d, &st)
	})
	if err != nil {
		return ImportStats{}, err
	}
	s.log.Info("import", "inserted", st.Inserted, "updated", st.Updated, "unchanged", st.Unchanged, "deleted", st.Deleted)
	return st, nil
}

type importer struct {
	s   *Server
	tx  kv.Tx
	d   *ImportData
	st  *ImportStats
	now time.Time
	// cfs: see family_import.go.
	cfs seen
}

func (im *importer) fail(kind string, i int, field, format string, args ...any) error {
	return &ImportError{Where: im.d.at(kind, i), Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (im *importer) put(kind, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ins, changed, err := putRecord(im.tx, kind, id, data)
	switch {
	case err != nil:
		return err
	case ins:
		im.st.Inserted++
	case changed:
		im.st.Updated++
	default:
		im.st.Unchanged++
	}
	return nil
}

// unique refuses an id given twice in one import: which one should win
// would be a guess.
type seen map[string]int

func (im *importer) unique(m seen, kind string, i int, field, id string) error {
	if msg := checkID(id); msg != "" {
		return im.fail(kind, i, field, "%s", msg)
	}
	if j, ok := m[id]; ok {
		return im.fail(kind, i, field, "%q given twice (also at %s)", id, im.d.at(kind, j))
	}
	m[id] = i
	return nil
}

func (s *Server) importTx(tx kv.Tx, d *ImportData, st *ImportStats) error {
	if s.bolt == nil { // PostgreSQL: see import_prefetch.go
		tx = newPrefetchTx(tx, prefetchBuckets())
	}
	im := &importer{s: s, tx: tx, d: d, st: st, now: s.now()}
	// Dependencies first: pupils read fee bands, diets and accounts;
	// badges and bookings read pupils.
	steps := []func() error{im.feeBands, im.diets, im.accounts, im.pupils, im.badges, im.bookings,
		im.staff, im.news, im.documents, im.deletions, im.menuAndCalendar}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// importKind imports the records of a kind stored whole under their id:
// for each, the id is checked and must be unique in the import (field
// names it), check refuses the record (an ImportError) or gives what is
// stored, and that is put.
func importKind[T any](im *importer, kind, field string, recs []T, id func(T) string, check func(i int, v T) (any, error)) error {
	ids := seen{}
	for i, v := range recs {
		if err := im.unique(ids, kind, i, field, id(v)); err != nil {
			return err
		}
		rec, err := check(i, v)
		if err != nil {
			return err
		}
		if err := im.put(kind, id(v), rec); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) feeBands() error {
	return importKind(im, app.KindFeeBand, "code", im.d.FeeBands, func(f app.FeeBand) string { return f.Code }, func(i int, f app.FeeBand) (any, error) {
		if f.MealPrice < 0 || f.MealPrice > central.MaxMealPrice {
			return nil, im.fail(app.KindFeeBand, i, "meal_price", "%d cents: want 0 to %d", f.MealPrice, central.MaxMealPrice)
		}
		return f, nil
	})
}

func (im *importer) diets() error {
	return importKind(im, app.KindDiet, "code", im.d.Diets, func(d app.Diet) string { return d.Code }, func(i int, d app.Diet) (any, error) {
		if strings.TrimSpace(d.Name) == "" {
			return nil, im.fail(app.KindDiet, i, "name", "missing")
		}
		return d, nil
	})
}

// Ledger: opening balance and meals charged (net of voids).
func getLedger(tx kv.Tx, acc app.AccountID) (opening, charged app.Cents, ok bool) {
	v := tx.Bucket(bLedger).Get([]byte(acc))
	if len(v) != 16 {
		return 0, 0, false
	}
	return app.Cents(int64(binary.BigEndian.Uint64(v))), app.Cents(int64(binary.BigEndian.Uint64(v[8:]))), true
}

func putLedger(tx kv.Tx, acc app.AccountID, opening, charged app.Cents) error {
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, uint64(opening))
	binary.BigEndian.PutUint64(v[8:], uint64(charged))
	return tx.Bucket(bLedger).Put([]byte(acc), v)
}

// maxOpening bounds an opening balance (± 1,000,000 €): a typo guard.
const maxOpening = 100_000_000

func (im *importer) accounts() error {
	ids := seen{}
	for i, a := range im.d.Accounts {
		if err := im.unique(ids, app.KindAccount, i, "id", string(a.ID)); err != nil {
			return err
		}
		if a.Balance > maxOpening || a.Balance < -maxOpening {
			return im.fail(app.KindAccount, i, "balance", "%d cents is not a plausible opening balance", a.Balance)
		}
		stored, ok, err := getJSON[app.Account](im.tx, app.KindAccount, string(a.ID))
		if err != nil {
			return err
		}
		if err := im.accountSecrets(i, &a, stored); err != nil { // family_import.go
			return err
		}
		opening, charged, _ := getLedger(im.tx, a.ID)
		if ok && opening == a.Balance && stored.Holder == a.Holder &&
			stored.HolderFiscalCode == a.HolderFiscalCode && stored.AccessHash == a.AccessHash {
			im.st.Unchanged++
			continue
		}
		if err := putLedger(im.tx, a.ID, a.Balance, charged); err != nil {
			return err
		}
		rec := app.Account{ID: a.ID, Holder: a.Holder, HolderFiscalCode: a.HolderFiscalCode, AccessHash: a.AccessHash,
			Balance: a.Balance - charged, BalanceAsOf: im.now}
		if err := im.put(app.KindAccount, string(a.ID), rec); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) pupils() error {
	ids := seen{}
	for i, p := range im.d.Pupils {
		const k = app.KindPupil
		if err := im.unique(ids, k, i, "id", string(p.ID)); err != nil {
			return err
		}
		if msg := checkID(string(p.AccountID)); msg != "" {
			return im.fail(k, i, "account_id", "%s", msg)
		}
		if acc, err := getRecord(im.tx, app.KindAccount, string(p.AccountID)); err != nil {
			return err
		} else if acc == nil {
			return im.fail(k, i, "account_id", "unknown account %q", p.AccountID)
		}
		if strings.TrimSpace(p.FirstName) == "" {
			return im.fail(k, i, "first_name", "missing")
		}
		if strings.TrimSpace(p.LastName) == "" {
			return im.fail(k, i, "last_name", "missing")
		}
		if err := im.pupilFiscalCode(i, &p); err != nil { // family_import.go
			return err
		}
		var days [7]bool
		for _, w := range p.Weekdays {
			if w < time.Sunday || w > time.Saturday {
				return im.fail(k, i, "weekdays", "%d is not a weekday (0 = Sunday … 6 = Saturday)", w)
			}
			if days[w] {
				return im.fail(k, i, "weekdays", "%s given twice", w)
			}
			days[w] = true
		}
		if p.FeeBand != "" {
			band, ok, err := getJSON[app.FeeBand](im.tx, app.KindFeeBand, p.FeeBand)
			switch {
			case err != nil:
				return err
			case ok && p.MealPrice == 0:
				p.MealPrice = band.MealPrice
			case !ok && p.MealPrice == 0:
				return im.fail(k, i, "fee_band", "unknown fee band %q and no meal_price", p.FeeBand)
			}
		}
		if p.MealPrice < 0 || p.MealPrice > central.MaxMealPrice {
			return im.fail(k, i, "meal_price", "%d cents: want 0 to %d", p.MealPrice, central.MaxMealPrice)
		}
		if p.Diet != nil {
			diet, ok, err := getJSON[app.Diet](im.tx, app.KindDiet, p.Diet.Code)
			switch {
			case err != nil:
				return err
			case ok && p.Diet.Name == "":
				p.Diet = &diet
			case !ok && p.Diet.Name == "":
				return im.fail(k, i, "diet", "unknown diet %q", p.Diet.Code)
			}
		}
		old, had, err := getJSON[app.Pupil](im.tx, k, string(p.ID))
		if err != nil {
			return err
		}
		fam := im.tx.Bucket(bFamily)
		if had && old.AccountID != p.AccountID {
			if err := fam.Delete(key(string(old.AccountID), string(p.ID))); err != nil {
				return err
			}
		}
		if err := putMember(fam, key(string(p.AccountID), string(p.ID))); err != nil { // import_sets.go
			return err
		}
		if err := recordPrice(im.tx, p, old, had, im.s.localDay(im.now), im.now); err != nil { // prices.go
			return err
		}
		if err := im.put(k, string(p.ID), p); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) pupilRef(kind string, i int, pupil app.PupilID) error {
	if msg := checkID(string(pupil)); msg != "" {
		return im.fail(kind, i, "pupil_id", "%s", msg)
	}
	p, err := getRecord(im.tx, app.KindPupil, string(pupil))
	if err != nil {
		return err
	}
	if p == nil {
		return im.fail(kind, i, "pupil_id", "unknown pupil %q", pupil)
	}
	return nil
}

// moveRef keeps the pupil → badges/bookings index right when a record
// changes pupil.
func (im *importer) moveRef(kind, id string, oldPupil, newPupil app.PupilID) error {
	refs := im.tx.Bucket(bRefs)
	if oldPupil != "" && oldPupil != newPupil {
		if err := refs.Delete(key(string(oldPupil), kind, id)); err != nil {
			return err
		}
	}
	return putMember(refs, key(string(newPupil), kind, id)) // import_sets.go
}

func (im *importer) badges() error {
	ids := seen{}
	for i, b := range im.d.Badges {
		const k = app.KindBadge
		id, err := app.ParseBadgeID(string(b.ID))
		if err != nil {
			return im.fail(k, i, "id", "%v", err)
		}
		b.ID = id
		if err := im.unique(ids, k, i, "id", string(b.ID)); err != nil {
			return err
		}
		if err := im.pupilRef(k, i, b.PupilID); err != nil {
			return err
		}
		old, _, err := getJSON[app.Badge](im.tx, k, string(b.ID))
		if err != nil {
			return err
		}
		if err := im.moveRef(k, string(b.ID), old.PupilID, b.PupilID); err != nil {
			return err
		}
		if err := im.put(k, string(b.ID), b); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) bookings() error {
	ids := seen{}
	for i, b := range im.d.Bookings {
		const k = app.KindBooking
		if !validDay(b.Day) {
			return im.fail(k, i, "day", "%q: want YYYY-MM-DD", b.Day)
		}
		if err := im.pupilRef(k, i, b.PupilID); err != nil {
			return err
		}
		id := bookingID(b)
		if err := im.unique(ids, k, i, "day", id); err != nil {
			return err
		}
		if err := im.moveRef(k, id, "", b.PupilID); err != nil {
			return err
		}
		if err := im.put(k, id, b); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) staff() error {
	const k = app.KindStaff
	return importKind(im, k, "id", im.d.Staff, func(in ImportStaff) string { return in.ID }, func(i int, in ImportStaff) (any, error) {
		// A staff id travels back in the kiosks' audit events, which the
		// protocol's id rule checks: refuse here what would be refused there.
		if err := central.CheckID(in.ID); err != nil {
			return nil, im.fail(k, i, "id", "%v", err)
		}
		if strings.TrimSpace(in.Name) == "" {
			return nil, im.fail(k, i, "name", "missing")
		}
		switch in.Role {
		case app.StaffCanteen, app.StaffOffice, app.StaffAdmin:
		default:
			return nil, im.fail(k, i, "role", "%q: want %s, %s or %s", in.Role, app.StaffCanteen, app.StaffOffice, app.StaffAdmin)
		}
		rec := app.Staff{ID: in.ID, Name: in.Name, Role: in.Role}
		if in.BadgeID != "" {
			b, err := app.ParseBadgeID(string(in.BadgeID))
			if err != nil {
				return nil, im.fail(k, i, "badge_id", "%v", err)
			}
			rec.BadgeID = b
		}
		switch {
		case in.PIN != "" && in.PINHash != "":
			return nil, im.fail(k, i, "pin", "give pin or pin_hash, not both")
		case in.PINHash != "":
			// A hash is accepted only if it parses (bcrypt, or the
			// legacy PBKDF2 format).
			if err := pinhash.Check(in.PINHash); err != nil {
				return nil, im.fail(k, i, "pin_hash", "%v", err)
			}
			rec.PINHash = in.PINHash
		case in.PIN != "":
			if !app.ValidPIN(in.PIN) {
				return nil, im.fail(k, i, "pin", "want 4 to 8 digits")
			}
			// Keep the stored hash when the PIN is the same: a fresh salt
			// would make every re-import a change that kiosks pull.
			old, ok, err := getJSON[app.Staff](im.tx, k, in.ID)
			if err != nil {
				return nil, err
			}
			rec.PINHash = im.d.staffPINs.hashFor(in.ID, in.PIN, old.PINHash) // import_staff_pins.go
			if ok && rec.PINHash == "" {
				if pinhash.Verify(old.PINHash, in.PIN) {
					rec.PINHash = old.PINHash
				}
			}
			if rec.PINHash == "" {
				h, err := pinhash.Hash(in.PIN)
				if err != nil {
					return nil, im.fail(k, i, "pin", "%v", err)
				}
				rec.PINHash = h
			}
		default:
			return nil, im.fail(k, i, "pin", "missing (give pin or pin_hash)")
		}
		return rec, nil
	})
}

func (im *importer) news() error {
	const k = app.KindNews
	return importKind(im, k, "id", im.d.News, func(n app.News) string { return n.ID }, func(i int, n app.News) (any, error) {
		if strings.TrimSpace(n.Title) == "" {
			return nil, im.fail(k, i, "title", "missing")
		}
		if n.Published.IsZero() {
			return nil, im.fail(k, i, "published", "missing")
		}
		return n, nil
	})
}

func (im *importer) documents() error {
	const k = app.KindDocument
	return importKind(im, k, "id", im.d.Documents, func(d app.Document) string { return d.ID }, func(i int, d app.Document) (any, error) {
		if strings.TrimSpace(d.Title) == "" {
			return nil, im.fail(k, i, "title", "missing")
		}
		u, err := url.Parse(d.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, im.fail(k, i, "url", "%q: want an http(s) address", d.URL)
		}
		if d.Published.IsZero() {
			return nil, im.fail(k, i, "published", "missing")
		}
		return d, nil
	})
}

// deletions run dependants first, so that one import can delete a pupil
// with its badges and bookings.
func (im *importer) deletions() error {
	order := []string{app.KindBooking, app.KindBadge, app.KindPupil, app.KindAccount,
		app.KindFeeBand, app.KindDiet, app.KindStaff, app.KindNews, app.KindDocument}
	for i, r := range im.d.Deleted {
		if _, ok := kindIndex[r.Kind]; !ok {
			return im.fail("deleted", i, "kind", "unknown kind %q", r.Kind)
		}
		if msg := checkID(r.ID); msg != "" {
			return im.fail("deleted", i, "id", "%s", msg)
		}
	}
	for _, kind := range order {
		for i, r := range im.d.Deleted {
			if r.Kind != kind {
				continue
			}
			if err := im.deleteOne(i, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasPrefix(b kv.Bucket, prefix []byte) bool {
	k, _ := b.Cursor().Seek(prefix)
	return k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}

func (im *importer) deleteOne(i int, r app.Ref) error {
	switch r.Kind {
	case app.KindAccount:
		if hasPrefix(im.tx.Bucket(bFamily), key(r.ID, "")) {
			return im.fail("deleted", i, "id", "account %q still has pupils", r.ID)
		}
		if err := im.tx.Bucket(bAccessFP).Delete([]byte(r.ID)); err != nil { // access_codes.go
			return err
		}
	case app.KindPupil:
		if hasPrefix(im.tx.Bucket(bRefs), key(r.ID, "")) {
			return im.fail("deleted", i, "id", "pupil %q still has badges or bookings", r.ID)
		}
		p, ok, err := getJSON[app.Pupil](im.tx, app.KindPupil, r.ID)
		if err != nil {
			return err
		}
		if ok {
			if err := im.tx.Bucket(bFamily).Delete(key(string(p.AccountID), r.ID)); err != nil {
				return err
			}
		}
		if err := deletePrices(im.tx, r.ID); err != nil { // prices.go
			return err
		}
	case app.KindBadge:
		b, ok, err := getJSON[app.Badge](im.tx, app.KindBadge, r.ID)
		if err != nil {
			return err
		}
		if ok {
			if err := im.tx.Bucket(bRefs).Delete(key(string(b.PupilID), app.KindBadge, r.ID)); err != nil {
				return err
			}
		}
	case app.KindBooking:
		_, pupil, ok := strings.Cut(r.ID, "/")
		if !ok {
			return im.fail("deleted", i, "id", "%q: a booking's id is day/pupil", r.ID)
		}
		if err := im.tx.Bucket(bRefs).Delete(key(pupil, app.KindBooking, r.ID)); err != nil {
			return err
		}
	}
	ok, err := deleteRecord(im.tx, r.Kind, r.ID)
	if err != nil {
		return err
	}
	if ok { // deleting what is not there is not an error: imports stay idempotent
		im.st.Deleted++
	}
	return nil
}

// errNoRecords is returned for an import holding nothing: almost always
// the wrong file.
var errNoRecords = errors.New("import: the file holds no records")
