package ui

import (
	"strings"
	"testing"

	"mensakiosk/app"
)

// TestFamilyViewsFit: the messages tab (a long message), the take-home
// view (a long link), the bookings tab with the absence button and its
// note, the absence form and the home view with its take-home buttons fit
// every kiosk screen, as the other counter views do (fit_test.go).
func TestFamilyViewsFit(t *testing.T) {
	for _, sc := range fitScreens {
		t.Run(sc.String(), func(t *testing.T) {
			sz := sc.size()
			f := newFamilyFixtureWith(t, func(d *counterData, ms []app.Message) {
				d.Pupils[0].School = fitSchool2 // Marco, in the long-named school's 3B
				ms[0].Body = strings.Repeat("Si comunica che il servizio di refezione scolastica subirà variazioni. ", 12)
				ms[0].Title = "Comunicazione del Servizio Istruzione sulle variazioni del menù e sulle uscite didattiche"
				ms[0].Audience = app.MessageAudience{Kind: app.AudienceClass, School: fitSchool2, Class: "3B"}
				ms[0].URL = "https://servizi.comune.example.it/istruzione/refezione-scolastica/comunicazioni/2026/uscita-didattica-museo-civico.pdf"
				d.Documents[0].Title = "Regolamento comunale del servizio di refezione scolastica e delle tariffe agevolate ISEE"
			})
			check := func(name string) {
				t.Helper()
				f.s.wait()
				fitCheck(t, name, f.w, f.s.Content(), sz.Width, sz.Height)
			}
			check("home with take-home buttons")
			f.buttons("Porta a casa")[0].OnTapped()
			check("take-home of a document")
			f.tap(t, "Indietro")
			f.badge(t)
			check("messages tab")
			f.tap(t, "Porta a casa")
			check("take-home of a message")
			f.tap(t, "Indietro", "Prenotazioni")
			check("bookings with absence")
			f.tap(t, "Assenza di più giorni")
			check("absence form")
			f.tap(t, "Conferma assenza")
			check("bookings after an absence")
			// Offline, from the cache: the family view's note on top.
			f.tap(t, "Esci")
			f.offlineWithNewMessage(t)
			f.badge(t) // unread messages: the Messages tab opens
			check("messages tab (cached)")
		})
	}
}
