package server

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// mealOn makes a meal.recorded event of pupil on day at the kiosk's price.
func mealOn(id string, seq uint64, pupil app.PupilID, day app.Day, price app.Cents) app.OutboxEvent {
	d, _ := time.Parse(time.DateOnly, string(day))
	return mealEvent(app.Meal{EventID: id, Seq: seq, PupilID: pupil, AccountID: pupilAccount[pupil], Day: day,
		Service: app.ServiceLunch, Price: price, At: d.Add(11 * time.Hour), Via: app.ViaBadge})
}

func storedEvent(t *testing.T, s *Server, id string) ReviewItem {
	t.Helper()
	it, ok, err := s.Event(id)
	if err != nil || !ok {
		t.Fatalf("event %s: %v %v", id, ok, err)
	}
	return it
}

// TestServerPricesMeals: the server charges the price of the pupil's fee
// band whatever price the kiosk sent (50,00 € or nothing), keeps both,
// flags price_mismatch, raises an alarm for the office, and a void gives
// back what was charged.
func TestServerPricesMeals(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	k1 := e.roleToken("k1", RoleCanteen)
	r := e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{
		mealOn("m50", 1, "P1", testDay, 5000), // fee band B: 4,50 €
		mealOn("m0", 2, "P3", testDay, 0),     // own price: 2,00 €
		mealOn("mok", 3, "P2", testDay, 450),  // right
	}})
	for i, want := range [][]string{{app.FlagPriceMismatch}, {app.FlagPriceMismatch}, nil} {
		if a := r.Results[i]; a.Status != app.EventAccepted || !slices.Equal(a.Flags, want) {
			t.Errorf("result %d: %+v, want accepted with flags %v", i, a, want)
		}
	}
	if b := e.balance("A1"); b != 1000-450-450 {
		t.Errorf("A1 balance %d, want %d (two meals at the band's 4,50 €)", b, 1000-900)
	}
	if b := e.balance("A2"); b != 300-200 {
		t.Errorf("A2 balance %d, want %d (a meal pushed at 0 charged 2,00 €)", b, 100)
	}
	// Both prices are kept: the kiosk's in the payload, the server's beside.
	it := storedEvent(t, e.s, "m50")
	m, _ := app.MealPayload(it.OutboxEvent)
	if m.Price != 5000 || it.ServerPrice == nil || *it.ServerPrice != 450 || !it.Charged {
		t.Errorf("stored m50: kiosk price %d, server price %v, charged %v", m.Price, it.ServerPrice, it.Charged)
	}
	if items, _ := e.s.Review(); len(items) != 2 {
		t.Errorf("review holds %d events, want the two mismatches", len(items))
	}
	// One alarm for the batch, for the office and in the reply.
	if n := len(alarmsOf(t, e.s, app.AlarmPriceMismatch)); n != 1 || !slices.Contains(alarmCodes(r.Alarms), app.AlarmPriceMismatch) {
		t.Errorf("%d price_mismatch alarms (reply %v), want 1", n, alarmCodes(r.Alarms))
	}
	// The reply carries the server's balances: the kiosk's projected
	// balance takes the server's price in.
	for _, a := range r.Accounts {
		if a.Balance != e.balance(a.ID) {
			t.Errorf("reply account %s balance %d, server %d", a.ID, a.Balance, e.balance(a.ID))
		}
	}
	// The family view shows what the family paid.
	fv, err := e.s.Family("A1", testDay, testDay)
	if err != nil {
		t.Fatal(err)
	}
	for _, fm := range fv.Meals {
		if fm.Price != 450 {
			t.Errorf("family view: meal %s at %d, want 450", fm.EventID, fm.Price)
		}
	}
	// A void gives back what was charged, not what the kiosk sent.
	e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{voidEvent("v50", 4, "m50"), voidEvent("v0", 5, "m0")}})
	if a1, a2 := e.balance("A1"), e.balance("A2"); a1 != 1000-450 || a2 != 300 {
		t.Errorf("after the voids: A1 %d (want 550), A2 %d (want 300)", a1, a2)
	}
}

// TestFeeBandChangeKeepsOldPrices: a band changed mid-year (its price,
// or the pupil moved to another band) prices the meals from the import's
// day on; meals of earlier days, even pushed late, keep the old price, and
// meals charged before are not repriced.
func TestFeeBandChangeKeepsOldPrices(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture()) // 2025-03-10: band B 4,50 €
	k1 := e.roleToken("k1", RoleCanteen)
	e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{mealOn("d10", 1, "P1", "2025-03-10", 450)}})

	// 2025-03-12: band B costs 5,00 €.
	e.clock.Set(time.Date(2025, 3, 12, 8, 0, 0, 0, time.UTC))
	d := fixture()
	d.FeeBands[0].MealPrice = 500
	mustImport(t, e.s, d)
	if b := e.balance("A1"); b != 1000-450 {
		t.Fatalf("the import repriced a charged meal: balance %d", b)
	}
	// 2025-03-14, before lunch: P1 moves to band C (3,00 €).
	e.clock.Set(time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC))
	d.FeeBands = append(d.FeeBands, app.FeeBand{Code: "C", Name: "Fascia C", MealPrice: 300})
	d.Pupils[0].FeeBand = "C"
	mustImport(t, e.s, d)

	// A kiosk that was offline pushes its week at the prices it showed.
	r := e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{
		mealOn("d11", 2, "P1", "2025-03-11", 450), // before the change: 4,50 €
		mealOn("d12", 3, "P1", "2025-03-12", 450), // band B at 5,00 € from today
		mealOn("d13", 4, "P1", "2025-03-13", 500),
		mealOn("d14", 5, "P1", "2025-03-14", 500), // band C from the 14th: 3,00 €
	}})
	want := map[string]app.Cents{"d10": 450, "d11": 450, "d12": 500, "d13": 500, "d14": 300}
	var total app.Cents
	for id, price := range want {
		it := storedEvent(t, e.s, id)
		if it.ServerPrice == nil || *it.ServerPrice != price || !it.Charged {
			t.Errorf("meal %s: server price %v charged %v, want %d", id, it.ServerPrice, it.Charged, price)
		}
		total += price
	}
	if b := e.balance("A1"); b != 1000-total {
		t.Errorf("balance %d, want %d", b, 1000-total)
	}
	for i, mismatch := range []bool{false, true, false, true} {
		if got := slices.Contains(r.Results[i].Flags, app.FlagPriceMismatch); got != mismatch {
			t.Errorf("%s: price_mismatch %v, want %v", r.Results[i].ID, got, mismatch)
		}
	}
	// Re-importing the same roster records nothing new.
	mustImport(t, e.s, d)
	if n := pricePeriods(t, e.s, "P1"); n != 3 {
		t.Errorf("P1 has %d price periods, want 3 (since ever, 12th, 14th)", n)
	}
}

// TestPriceHistoryOfAnOlderDatabase: a pupil imported before the server
// kept price history keeps its stored price for the days before a change.
func TestPriceHistoryOfAnOlderDatabase(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	// As a database of the previous version: no history.
	if err := e.s.db.Update(func(tx kv.Tx) error {
		if err := tx.DeleteBucket(bPrices); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bPrices)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2025, 3, 12, 8, 0, 0, 0, time.UTC))
	d := fixture()
	d.FeeBands[0].MealPrice = 500
	mustImport(t, e.s, d)
	k1 := e.roleToken("k1", RoleCanteen)
	e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{
		mealOn("a", 1, "P1", "2025-03-11", 0), mealOn("b", 2, "P1", "2025-03-12", 0),
	}})
	if b := e.balance("A1"); b != 1000-950 {
		t.Errorf("balance %d, want %d", b, 1000-950)
	}
}

func pricePeriods(t *testing.T, s *Server, pupil app.PupilID) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx kv.Tx) error {
		prefix := key(string(pupil), "")
		c := tx.Bucket(bPrices).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var pp pricePeriod
			if err := json.Unmarshal(v, &pp); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPriceHistoryOfARecreatedPupil: a pupil deleted and imported again
// under the same id is a new pupil: the old one's price history does not
// price its meals.
func TestPriceHistoryOfARecreatedPupil(t *testing.T) {
	e := newEnv(t)
	d := fixture()
	mustImport(t, e.s, d) // P3: 2,00 €
	e.clock.Set(time.Date(2025, 3, 12, 8, 0, 0, 0, time.UTC))
	d.Pupils[2].MealPrice = 250
	mustImport(t, e.s, d)
	mustImport(t, e.s, ImportData{Deleted: []app.Ref{{Kind: app.KindBadge, ID: "01000000A3"}, {Kind: app.KindPupil, ID: "P3"}}})
	if n := pricePeriods(t, e.s, "P3"); n != 0 {
		t.Fatalf("%d price periods left after the pupil's deletion", n)
	}
	e.clock.Set(time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC))
	p3 := d.Pupils[2]
	p3.MealPrice = 300
	mustImport(t, e.s, ImportData{Pupils: []app.Pupil{p3}})
	k1 := e.roleToken("k1", RoleCanteen)
	e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{mealOn("r11", 1, "P3", "2025-03-11", 0)}})
	if it := storedEvent(t, e.s, "r11"); it.ServerPrice == nil || *it.ServerPrice != 300 {
		t.Errorf("the re-created pupil's meal priced %v, want 300", it.ServerPrice)
	}
}

// TestPriceChangeMidDayKeepsTheMorningsMeals: a fee band changed by an
// import in the afternoon does not reprice a meal served in the morning,
// whenever it arrives. Before, the price was in force from the import's
// whole day: of two meals served at 11:00 at 4,50 €, the one pushed at
// once was charged 4,50 € and the one of a kiosk that was offline until
// the afternoon 5,00 €, flagged price_mismatch.
func TestPriceChangeMidDayKeepsTheMorningsMeals(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture()) // band B 4,50 €
	k1, k2 := e.roleToken("k1", RoleCanteen), e.roleToken("k2", RoleCanteen)
	e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{mealOn("p1", 1, "P1", testDay, 450)}})

	// 14:00: band B costs 5,00 €.
	e.clock.Set(time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC))
	d := fixture()
	d.FeeBands[0].MealPrice = 500
	mustImport(t, e.s, d)

	late := mealOn("p2", 1, "P2", testDay, 450) // served at 11:00 too, pushed now
	after := mealOn("p3", 2, "P2", testDay, 500)
	var m app.Meal
	_ = json.Unmarshal(after.Payload, &m)
	m.At, m.Day = time.Date(2025, 3, 11, 11, 0, 0, 0, time.UTC), "2025-03-11"
	after = mealEvent(m)
	after.Seq = 2
	e.clock.Set(time.Date(2025, 3, 11, 15, 0, 0, 0, time.UTC))
	r := e.push(k2, app.PushBatch{Epoch: "E2", Events: []app.OutboxEvent{late, after}})
	for _, c := range []struct {
		id    string
		price app.Cents
	}{{"p1", 450}, {"p2", 450}, {"p3", 500}} {
		if it := storedEvent(t, e.s, c.id); it.ServerPrice == nil || *it.ServerPrice != c.price {
			t.Errorf("meal %s: server price %v, want %d", c.id, it.ServerPrice, c.price)
		}
	}
	for _, a := range r.Results {
		if slices.Contains(a.Flags, app.FlagPriceMismatch) {
			t.Errorf("%s flagged price_mismatch: the kiosk showed the price in force when it served", a.ID)
		}
	}
	if b := e.balance("A1"); b != 1000-450-450-500 {
		t.Errorf("A1 balance %d, want %d", b, 1000-1400)
	}
}

// TestPriceChangeAfterTheClockSteppedBack: an import made when the
// server's clock had stepped back behind the previous change still sets
// the price in force from then on (the latest period is the pupil's
// price).
func TestPriceChangeAfterTheClockSteppedBack(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture()) // band B 4,50 €
	d := fixture()
	e.clock.Set(time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC))
	d.FeeBands[0].MealPrice = 500
	mustImport(t, e.s, d)
	e.clock.Set(time.Date(2025, 3, 10, 13, 0, 0, 0, time.UTC)) // stepped back
	d.FeeBands[0].MealPrice = 300
	mustImport(t, e.s, d)
	m := mealOn("late", 1, "P1", testDay, 300)
	var meal app.Meal
	_ = json.Unmarshal(m.Payload, &meal)
	meal.At = time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
	m = mealEvent(meal)
	e.clock.Set(time.Date(2025, 3, 10, 15, 30, 0, 0, time.UTC))
	e.push(e.roleToken("k1", RoleCanteen), app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{m}})
	if it := storedEvent(t, e.s, "late"); it.ServerPrice == nil || *it.ServerPrice != 300 {
		t.Errorf("meal after both imports priced %v, want the latest import's 300", it.ServerPrice)
	}
}
