// Package demo makes the demo Comune that `make run` starts with: two
// schools, several classes, about 120 pupils with a mix of fee bands,
// special diets, today's cancellations and bland meals, and blocked badges.
// The data is deterministic (fixed seed) except for the day it is made for.
package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"mensakiosk/app"
)

// Comune is the demo's name for the municipality.
const Comune = "Comune di Borgo Demo"

// FeeBand is a fascia with its meal price.
type FeeBand struct {
	Code  string
	Price app.Cents
}

// FeeBands of the demo Comune (ISEE bands).
var FeeBands = []FeeBand{{"A", 150}, {"B", 280}, {"C", 390}, {"D", 450}, {"E", 520}}

var diets = []app.Diet{
	{Code: "GLUT", Name: "Senza glutine (celiachia)", Allergens: []string{"glutine"}},
	{Code: "LATT", Name: "Senza lattosio", Allergens: []string{"latte"}},
	{Code: "NUTS", Name: "Allergia frutta a guscio", Allergens: []string{"frutta a guscio", "arachidi"}},
	{Code: "EGG", Name: "Allergia uovo", Allergens: []string{"uova"}},
	{Code: "VEG", Name: "Vegetariana"},
	{Code: "NOPORK", Name: "Senza carne di maiale"},
}

var firstNames = []string{"Giulia", "Marco", "Sofia", "Leonardo", "Aurora", "Francesco", "Alice", "Tommaso",
	"Ginevra", "Lorenzo", "Emma", "Mattia", "Giorgia", "Andrea", "Beatrice", "Gabriele", "Anna", "Riccardo",
	"Vittoria", "Edoardo", "Chiara", "Alessandro", "Martina", "Pietro", "Greta", "Diego", "Noemi", "Samuele",
	"Amira", "Youssef", "Ionela", "Luca", "Sara", "Kevin", "Mei", "Omar"}

var lastNames = []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
	"Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
	"Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara",
	"Galli", "Martini", "Leone", "Longo", "Gentile", "Popescu", "El Amrani", "Chen", "Hoxha"}

type class struct{ school, name string }

var classes = []class{
	{"Scuola Primaria Dante Alighieri", "1A"}, {"Scuola Primaria Dante Alighieri", "2A"},
	{"Scuola Primaria Dante Alighieri", "3A"}, {"Scuola Primaria Dante Alighieri", "4A"},
	{"Scuola Primaria Dante Alighieri", "5A"}, {"Scuola Primaria Dante Alighieri", "3B"},
	{"Scuola dell'Infanzia Gianni Rodari", "Sezione Api"}, {"Scuola dell'Infanzia Gianni Rodari", "Sezione Coccinelle"},
	{"Scuola dell'Infanzia Gianni Rodari", "Sezione Farfalle"},
}

// Badge is a demo badge with what the demo reader panel shows for it.
type Badge struct {
	ID      app.BadgeID
	PupilID app.PupilID
	// Label is first name, surname initial and class.
	FirstName, Initial, Class string
	// FiscalCode and AccessCode identify the family at the counter.
	FiscalCode, AccessCode                                string
	Diet, Blocked, Bland, Cancelled, LowBalance, Negative bool
}

// UnknownBadge is a well-formed badge that is on no roster.
const UnknownBadge app.BadgeID = "1F00C0FFEE"

// Build makes the demo roster for the given day (today's bookings are on
// it) and the list of demo badges. asOf is the balance time.
func Build(day app.Day, asOf time.Time) (app.Roster, []Badge) {
	rng := rand.New(rand.NewPCG(2026, 11))
	var r app.Roster
	var badges []Badge
	pupilN := 0
	for f := 1; pupilN < 120; f++ {
		acc := app.Account{ID: app.AccountID(fmt.Sprintf("F%04d", f)), BalanceAsOf: asOf.UTC()}
		last := lastNames[rng.IntN(len(lastNames))]
		holderFirst := firstNames[rng.IntN(len(firstNames))]
		acc.Holder = holderFirst + " " + last
		acc.HolderFiscalCode = FiscalCode(last, holderFirst, time.Date(1980+f%15, time.Month(1+f%12), 1+f%28, 0, 0, 0, 0, time.UTC), f%2 == 0)
		// Balances: most families in credit, some low, a few in debt.
		switch x := rng.IntN(20); {
		case x == 0:
			acc.Balance = -app.Cents(rng.IntN(2000))
		case x < 4:
			acc.Balance = app.Cents(100 + rng.IntN(800))
		default:
			acc.Balance = app.Cents(1500 + rng.IntN(8000))
		}
		r.Accounts = append(r.Accounts, acc)
		band := FeeBands[rng.IntN(len(FeeBands))]
		kids := 1 + rng.IntN(3)/2 // one child usually, sometimes two
		if f%9 == 0 {
			kids = 3
		}
		for k := 0; k < kids && pupilN < 120; k++ {
			pupilN++
			cl := classes[(pupilN*7+k)%len(classes)]
			p := app.Pupil{
				ID:        app.PupilID(fmt.Sprintf("P%05d", pupilN)),
				AccountID: acc.ID, FirstName: firstNames[rng.IntN(len(firstNames))], LastName: last,
				School: cl.school, Class: cl.name, FeeBand: band.Code, MealPrice: band.Price,
				Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
			}
			if cl.school == classes[0].school && pupilN%4 == 0 {
				p.Weekdays = []time.Weekday{time.Monday, time.Wednesday, time.Friday}
			}
			if pupilN%8 == 3 {
				d := diets[(pupilN/8)%len(diets)]
				p.Diet = &d
			}
			p.FiscalCode = FiscalCode(last, p.FirstName, time.Date(2014+pupilN%8, time.Month(1+pupilN%12), 1+pupilN%28, 0, 0, 0, 0, time.UTC), pupilN%2 == 0)
			r.Pupils = append(r.Pupils, p)
			b := app.Badge{ID: app.BadgeID(fmt.Sprintf("1A%08X", 0x00A10000+pupilN*37)), PupilID: p.ID, Blocked: pupilN%29 == 0}
			r.Badges = append(r.Badges, b)
			db := Badge{ID: b.ID, PupilID: p.ID, FirstName: p.FirstName, Initial: last[:1] + ".", Class: cl.name,
				FiscalCode: p.FiscalCode, AccessCode: AccessCode(acc.ID),
				Diet: p.Diet != nil, Blocked: b.Blocked, LowBalance: acc.Balance >= 0 && acc.Balance < 1000, Negative: acc.Balance < 0}
			switch {
			case pupilN%13 == 5:
				r.Bookings = append(r.Bookings, app.Booking{PupilID: p.ID, Day: day, Cancelled: true})
				db.Cancelled = true
			case pupilN%11 == 7:
				r.Bookings = append(r.Bookings, app.Booking{PupilID: p.ID, Day: day, Bland: true})
				db.Bland = true
			}
			if b.Blocked {
				// The lost badge was replaced: the pupil has a new one.
				nb := app.Badge{ID: app.BadgeID(fmt.Sprintf("1B%08X", 0x00B10000+pupilN*41)), PupilID: p.ID}
				r.Badges = append(r.Badges, nb)
				badges = append(badges, db)
				db.ID, db.Blocked = nb.ID, false
			}
			badges = append(badges, db)
		}
	}
	return r, badges
}
