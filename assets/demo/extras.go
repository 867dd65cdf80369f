package demo

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"mensakiosk/app"
)

// The demo's counter and staff data: codici fiscali, family access codes,
// staff with their PINs and badges, news and documents. Everything here is
// invented; the PINs and access codes are printed on the demo panel on
// purpose, and a real Comune imports its own (docs/central.md).

// StaffMember is a demo staff member with the PIN the demo panel shows.
type StaffMember struct {
	ID, Name, Role, PIN string
	Badge               app.BadgeID
}

// Staff of the demo Comune: a cook with a staff badge, an office clerk and
// an administrator.
var Staff = []StaffMember{
	{ID: "S01", Name: "Maria Cuoca", Role: app.StaffCanteen, PIN: "1234", Badge: "5A00000001"},
	{ID: "S02", Name: "Paolo Ufficio", Role: app.StaffOffice, PIN: "2468", Badge: "5A00000002"},
	{ID: "S03", Name: "Anna Amministratrice", Role: app.StaffAdmin, PIN: "9753"},
}

// AccessCode is the demo family access code of an account: six digits,
// deterministic so the panel can show it.
func AccessCode(a app.AccountID) string {
	var h uint32 = 2166136261
	for _, c := range []byte(a) {
		h = (h ^ uint32(c)) * 16777619
	}
	return fmt.Sprintf("%06d", h%1000000)
}

// News of the demo Comune, newest first.
func News(now time.Time) []app.News {
	d := func(days int) time.Time { return now.AddDate(0, 0, -days).Truncate(time.Hour).UTC() }
	return []app.News{
		{ID: "N3", Title: "Menù invernale dal 1° dicembre", Published: d(2),
			Body: "Dal 1° dicembre le scuole del Comune adottano il menù invernale approvato dall'ASL. Il menù completo è tra i documenti."},
		{ID: "N2", Title: "Ricariche con avviso pagoPA allo sportello", Published: d(10),
			Body: "Allo sportello del Comune potete ricaricare il conto mensa: scegliete l'importo e pagate l'avviso pagoPA con l'app della vostra banca o con app IO."},
		{ID: "N1", Title: "Disdetta del pasto entro le 9:30", Published: d(30),
			Body: "La disdetta del pasto va fatta entro le 9:30 del giorno stesso, dal portale, dall'app o allo sportello. Dopo quell'ora il pasto è addebitato."},
	}
}

// Documents of the demo Comune.
func Documents(now time.Time) []app.Document {
	d := func(days int) time.Time { return now.AddDate(0, 0, -days).Truncate(time.Hour).UTC() }
	return []app.Document{
		{ID: "D1", Title: "Menù invernale 2026/2027", URL: "https://www.comune.borgodemo.example.it/mensa/menu-invernale.pdf", Published: d(2)},
		{ID: "D2", Title: "Tariffe e fasce ISEE del servizio mensa", URL: "https://www.comune.borgodemo.example.it/mensa/tariffe.pdf", Published: d(60)},
		{ID: "D3", Title: "Regolamento della refezione scolastica", URL: "https://www.comune.borgodemo.example.it/mensa/regolamento.pdf", Published: d(90)},
	}
}

// FiscalCode makes a well-formed codice fiscale (with its real check
// character) for a demo person: surname and name letters, birth date, the
// municipality code of Milan (F205).
func FiscalCode(last, first string, born time.Time, female bool) string {
	day := born.Day()
	if female {
		day += 40
	}
	code := cfPart(last, false) + cfPart(first, true) + fmt.Sprintf("%02d", born.Year()%100) +
		string("ABCDEHLMPRST"[born.Month()-1]) + fmt.Sprintf("%02d", day) + "F205"
	return code + string(cfCheck(code))
}

// cfPart is the three letters of a surname or name: consonants then vowels,
// padded with X; a name with four or more consonants takes the 1st, 3rd and
// 4th.
func cfPart(s string, name bool) string {
	var cons, vow []rune
	for _, r := range strings.ToUpper(s) {
		switch {
		case !unicode.IsLetter(r) || r > unicode.MaxASCII:
		case strings.ContainsRune("AEIOU", r):
			vow = append(vow, r)
		default:
			cons = append(cons, r)
		}
	}
	if name && len(cons) >= 4 {
		cons = []rune{cons[0], cons[2], cons[3]}
	}
	out := append(append(cons, vow...), 'X', 'X', 'X')
	return string(out[:3])
}

var cfOdd = [36]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23} // A-Z

func cfCheck(code string) byte {
	sum := 0
	for i, r := range code {
		v := int(r - '0')
		if r >= 'A' {
			v = int(r-'A') + 10
		}
		if i%2 == 0 { // 1st, 3rd, ... (odd positions counting from 1)
			sum += cfOdd[v]
		} else if r >= 'A' {
			sum += int(r - 'A')
		} else {
			sum += int(r - '0')
		}
	}
	return byte('A' + sum%26)
}
