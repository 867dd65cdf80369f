package demo

import "mensakiosk/app"

// Messages are the demo Comune's messages to families (comunicazioni), for
// the roster r: to the first families one by one (so the first badges on
// the demo panel open a family with unread messages), to the first
// family's child's class and school, and to everyone; some with a link to
// take home as a QR code. The server gives them their ids and times.
func Messages(r app.Roster) []app.Message {
	if len(r.Accounts) == 0 || len(r.Pupils) == 0 {
		return nil
	}
	first := r.Pupils[0]
	for _, p := range r.Pupils {
		if p.AccountID == r.Accounts[0].ID {
			first = p
			break
		}
	}
	all := app.MessageAudience{Kind: app.AudienceAll}
	out := []app.Message{
		{Title: "Attestazioni per la dichiarazione dei redditi", Audience: all,
			Body: "Le attestazioni delle spese di refezione scolastica del 2026, per la detrazione del 19% nel modello 730, sono disponibili allo sportello e sul portale dal 1° febbraio.",
			URL:  "https://www.comune.borgodemo.example.it/mensa/attestazioni-730"},
		{Title: "Sciopero del personale della ristorazione", Audience: all,
			Body: "Venerdì prossimo è previsto uno sciopero del personale della ditta di ristorazione: il pasto potrebbe essere sostituito da un pranzo freddo. Chi preferisce può disdire il pasto entro le 9:30."},
		{Title: "Uscita didattica: pranzo al sacco", Audience: app.MessageAudience{Kind: app.AudienceClass, School: first.School, Class: first.Class},
			Body: "Per l'uscita didattica della classe il pranzo sarà al sacco, fornito dalla mensa. Il pasto è addebitato come di consueto; i genitori dei bambini con dieta speciale possono contattare la segreteria.",
			URL:  "https://www.comune.borgodemo.example.it/scuole/uscite-didattiche"},
		{Title: "Commissione mensa: incontro con i genitori", Audience: app.MessageAudience{Kind: app.AudienceSchool, School: first.School},
			Body: "La commissione mensa della scuola incontra i genitori giovedì alle 17:00 nell'aula magna per presentare il menù invernale."},
	}
	for i, a := range r.Accounts[:min(3, len(r.Accounts))] {
		m := app.Message{Title: "Saldo del conto mensa", Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: a.ID},
			Body: "Vi ricordiamo di controllare il saldo del conto mensa: potete ricaricarlo qui allo sportello con un avviso pagoPA, pagabile con l'app della banca o con app IO."}
		if i == 0 {
			m.Title = "Rinnovo dell'iscrizione al servizio mensa"
			m.Body = "Le iscrizioni al servizio di refezione per il prossimo anno scolastico si rinnovano online entro il 31 maggio. Il modulo e le istruzioni sono al collegamento qui sotto."
			m.URL = "https://www.comune.borgodemo.example.it/mensa/iscrizioni"
		}
		out = append(out, m)
	}
	return out
}
