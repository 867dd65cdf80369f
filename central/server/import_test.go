package server

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central/pinhash"
)

func pullAllDirect(t *testing.T, s *Server) app.PullPage {
	t.Helper()
	body, err := s.Pull("k", "", 10_000, "")
	if err != nil {
		t.Fatal(err)
	}
	var p app.PullPage
	if err := decodeStrict(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.More {
		t.Fatal("fixture larger than a page")
	}
	return p
}

func decodeStrict(body []byte, v any) error {
	_, err := decodeBody(body, v)
	return err
}

func openTemp(t *testing.T) *Server {
	t.Helper()
	s, err := openTest(t, t.TempDir(), Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestImportCSVDir(t *testing.T) {
	s := openTemp(t)
	st, err := s.ImportFile("testdata/csv")
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != 3+3+2+4+5+2+2+1+1 || st.Updated+st.Unchanged+st.Deleted != 0 {
		t.Fatalf("stats %+v", st)
	}
	p := pullAllDirect(t, s)
	acc := map[app.AccountID]app.Cents{}
	for _, a := range p.Accounts {
		acc[a.ID] = a.Balance
	}
	if acc["A1"] != 3650 || acc["A2"] != 102000 || acc["A3"] != -250 {
		t.Fatalf("balances %v", acc)
	}
	pupils := map[app.PupilID]app.Pupil{}
	for _, pu := range p.Pupils {
		pupils[pu.ID] = pu
	}
	if p1 := pupils["P1"]; p1.MealPrice != 320 || !slices.Equal(p1.Weekdays, []time.Weekday{time.Monday, time.Tuesday, time.Thursday}) || p1.School != "Primaria G. Rodari" {
		t.Fatalf("P1 %+v", p1)
	}
	if p3 := pupils["P3"]; p3.MealPrice != 400 || p3.FeeBand != "C" {
		t.Fatalf("P3: an explicit price wins over the band's: %+v", p3)
	}
	if p4 := pupils["P4"]; p4.Diet == nil || p4.Diet.Name != "Senza proteine del latte" || !slices.Equal(p4.Diet.Allergens, []string{"latte", "lattosio"}) || p4.MealPrice != 150 {
		t.Fatalf("P4 %+v", p4)
	}
	blocked := 0
	for _, b := range p.Badges {
		if b.Blocked {
			blocked++
			if b.ID != "0100AABBCC" {
				t.Fatalf("blocked badge %s", b.ID)
			}
		}
	}
	if blocked != 1 || len(p.Bookings) != 2 || p.Bookings[0].Day != "2024-09-30" {
		t.Fatalf("badges/bookings %+v %+v", p.Badges, p.Bookings)
	}
	for _, st := range p.Staff {
		pin := map[string]string{"S1": "4821", "S2": "90210"}[st.ID]
		if !pinhash.Verify(st.PINHash, pin) || strings.Contains(st.PINHash, pin) {
			t.Fatalf("staff %s hash %q", st.ID, st.PINHash)
		}
	}
	if len(p.News) != 1 || !p.News[0].Published.Equal(time.Date(2024, 10, 28, 0, 0, 0, 0, time.UTC)) || len(p.Documents) != 1 {
		t.Fatalf("news/documents %+v %+v", p.News, p.Documents)
	}
	// Idempotent: nothing changes, no revision is spent.
	before, _ := s.Counts()
	st, err = s.ImportFile("testdata/csv")
	if err != nil || st.Unchanged != 23 || st.Inserted+st.Updated != 0 {
		t.Fatalf("re-import: %+v %v", st, err)
	}
	if after, _ := s.Counts(); after != before {
		t.Fatalf("re-import changed %+v → %+v", before, after)
	}
	// One file alone, by its kind.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "badges.csv"), []byte("id,pupil_id,blocked\n010063E9AE,P1,1\n"), 0o600)
	if st, err := s.ImportFile(filepath.Join(dir, "badges.csv")); err != nil || st.Updated != 1 {
		t.Fatalf("single file: %+v %v", st, err)
	}
}

func TestImportJSONFile(t *testing.T) {
	s := openTemp(t)
	st, err := s.ImportFile("testdata/import.json")
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != 1+1+2+3+3+1+2+1+1 {
		t.Fatalf("stats %+v", st)
	}
	p := pullAllDirect(t, s)
	for _, b := range p.Badges {
		if b.ID == "010063e9af" {
			t.Fatal("badge id not normalised")
		}
	}
	if bal, _ := s.Balance("A1"); bal != 3650 {
		t.Fatalf("balance %d", bal)
	}
	if st, err := s.ImportFile("testdata/import.json"); err != nil || st.Unchanged != 15 || st.Inserted+st.Updated != 0 {
		t.Fatalf("re-import %+v %v", st, err)
	}
}

func TestImportErrors(t *testing.T) {
	s := openTemp(t)
	if _, err := s.ImportFile("testdata/import.json"); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Counts()
	csvCases := []struct{ file, data, want string }{
		{"pupils.csv", "id;account_id;first_name;last_name\nP9;NOPE;A;B\n", "pupils.csv line 2: account_id: unknown account"},
		{"pupils.csv", "id;account_id;first_name;last_name;weekdays\nP9;A1;A;B;lun xyz\n", "pupils.csv line 2: weekdays"},
		{"pupils.csv", "id;account_id;first_name;last_name;fee_band\nP9;A1;A;B;Z\n", "fee_band: unknown fee band"},
		{"pupils.csv", "id;account_id;first_name;last_name;diet\nP9;A1;A;B;VEG\n", "diet: unknown diet"},
		{"pupils.csv", "id;account_id;first_name;last_name;meal_price\nP9;A1;A;B;36.50\n", "meal_price"},
		{"pupils.csv", "id;account_id;first_name\nP9;A1;A\n", "lacks column \"last_name\""},
		{"pupils.csv", "id;account_id;first_name;last_name;colour\n", "unknown column \"colour\""},
		{"pupils.csv", "id;account_id;first_name;last_name\nP9;A1;A;B\nP9;A1;C;D\n", "pupils.csv line 3: id: \"P9\" given twice (also at pupils.csv line 2)"},
		{"pupils.csv", "id;account_id;first_name;last_name\nP9;A1;A\n", "wrong number of fields"},
		{"accounts.csv", "id;holder;balance\nA9;X;12,345\n", "accounts.csv line 2: balance"},
		{"badges.csv", "id;pupil_id\nXYZ;P1\n", "badges.csv line 2: id"},
		{"badges.csv", "id;pupil_id;blocked\n0102;P1;forse\n", "blocked"},
		{"bookings.csv", "day;pupil_id\n31/02/2024;P1\n", "bookings.csv line 2: day"},
		{"staff.csv", "id;name;role;pin\nS9;X;cook;1234\n", "role"},
		{"staff.csv", "id;name;role;pin\nS9;X;admin;12\n", "pin: want 4 to 8 digits"},
		{"staff.csv", "id;name;role\nS9;X;admin\n", "pin: missing"},
		{"documents.csv", "id;title;url;published\nD9;T;ftp://x/y;2024-01-01\n", "url"},
		{"accounts.csv", "", "header row is required"},
		{"accounts.csv", "id;holder\n\xff\xfe;x\n", "not UTF-8"},
		{"pupil.csv", "id\n", "named by what it holds"},
	}
	for _, c := range csvCases {
		d, err := ParseCSV(c.file, []byte(c.data))
		if err == nil {
			_, err = s.Import(d)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: error %v, want %q", c.file, c.data, err, c.want)
		}
	}
	jsonCases := []struct{ data, want string }{
		{`{"pupils":[{"id":"P9","account_id":"A1","first_name":"A","last_name":"B","weekdays":[7]}]}`, "pupils[0]: weekdays"},
		{`{"pupil":[]}`, `unknown field "pupil"`},
		{"{\n\"accounts\": [\n{\"id\": 5}]}", "line 3"},
		{`{"accounts":[]} {}`, "trailing data"},
		{`{"accounts":[{"id":"A1"}`, "unexpected EOF"},
		{`{"badges":[{"id":"0102","pupil_id":"P1"},{"id":"0102","pupil_id":"P2"}]}`, "badges[1]: id: \"0102\" given twice"},
		{`{"deleted":[{"kind":"account","id":"A1"}]}`, "still has pupils"},
		{`{"deleted":[{"kind":"pupil","id":"P1"}]}`, "still has badges or bookings"},
		{`{"deleted":[{"kind":"table","id":"P1"}]}`, "unknown kind"},
		{`{"fee_bands":[{"code":"X","meal_price":9999}]}`, "fee_bands[0]: meal_price"},
		{`{"staff":[{"id":"S9","name":"X","role":"admin","pin_hash":"md5$x"}]}`, "pin_hash"},
		{`{"news":[{"id":"N9","title":"T"}]}`, "published: missing"},
		// A good record before a bad one: neither is written.
		{`{"accounts":[{"id":"NEW","holder":"x"}],"pupils":[{"id":"P9","account_id":"NOPE","first_name":"A","last_name":"B"}]}`, "unknown account"},
	}
	for _, c := range jsonCases {
		d, err := ParseImportJSON("x.json", []byte(c.data))
		if err == nil {
			_, err = s.Import(d)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.data, err, c.want)
		}
	}
	if after, _ := s.Counts(); after != before {
		t.Fatalf("failed imports wrote: %+v → %+v", before, after)
	}
	var ie *ImportError
	_, err := s.Import(ImportData{Pupils: []app.Pupil{{ID: "P9"}}})
	if !errors.As(err, &ie) || ie.Where != "pupils[0]" || ie.Field != "account_id" {
		t.Fatalf("ImportError: %#v", err)
	}
	// Deleting a pupil with its badges and bookings in one import works.
	d := ImportData{Deleted: []app.Ref{{Kind: app.KindPupil, ID: "P1"}, {Kind: app.KindBadge, ID: "010063E9AE"}, {Kind: app.KindBooking, ID: "2024-09-30/P1"}}}
	if st, err := s.Import(d); err != nil || st.Deleted != 3 {
		t.Fatalf("delete with dependants: %+v %v", st, err)
	}
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]app.Cents{"": 0, "3650": 3650, "36,50": 3650, "36,5": 3650, "1.020,50 €": 102050, "€ 2,00": 200,
		"-5,00": -500, "-250": -250, "0,07": 7, "12.345.678,90": 1234567890} {
		got, err := parseMoney(in)
		if err != nil || got != want {
			t.Errorf("parseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"36.50", "1.02,00", "36,505", "abc", "3,", ",50", "1,2,3", "--5", "99999999999999"} {
		if got, err := parseMoney(in); err == nil {
			t.Errorf("parseMoney(%q) = %d, want an error", in, got)
		}
	}
}

func TestFromRoster(t *testing.T) {
	s := openTemp(t)
	r := app.Roster{
		Accounts: []app.Account{{ID: "A", Holder: "H", Balance: 500}},
		Pupils:   []app.Pupil{{ID: "P", AccountID: "A", FirstName: "F", LastName: "L", FeeBand: "demo", MealPrice: 420}},
		Badges:   []app.Badge{{ID: "0A0B", PupilID: "P"}},
	}
	if st, err := s.Import(FromRoster(r)); err != nil || st.Inserted != 3 {
		t.Fatalf("%+v %v", st, err)
	}
}
