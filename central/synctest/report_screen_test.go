package synctest

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
	"mensakiosk/ui"
)

// reportStaffBackend is the staff screen's backend for the report pages,
// over the kiosk's real parts as cmd/kiosk wires them: staff mode on the
// kiosk's store (staff synced from the server) and the canteen's report.
// The screen's other pages are not visited (the embedded nil interface).
type reportStaffBackend struct {
	ui.StaffBackend
	m *app.StaffMode
	k *kiosk
}

func (b reportStaffBackend) Begin(c *app.Staff)                      { b.m.Begin(c) }
func (b reportStaffBackend) SubmitPIN(pin string) (app.Staff, error) { return b.m.SubmitPIN(pin) }
func (b reportStaffBackend) LockState() (time.Time, bool)            { return b.m.LockState() }
func (b reportStaffBackend) Touch()                                  { b.m.Touch() }
func (b reportStaffBackend) IdleExpired() bool                       { return b.m.IdleExpired() }
func (b reportStaffBackend) Leave(idle bool) error                   { return b.m.Leave(idle) }
func (b reportStaffBackend) Report() (app.DayReport, error)          { return b.k.canteen.Report(day) }

// screenLabels are the texts of the labels on screen, in layout order.
func screenLabels(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.ThemeOverride:
			walk(x.Content)
		}
	}
	walk(o)
	return out
}

// tapScreen taps the button labelled text.
func tapScreen(t *testing.T, root fyne.CanvasObject, text string) {
	t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text && found == nil {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.ThemeOverride:
			walk(x.Content)
		}
	}
	walk(root)
	if found == nil {
		t.Fatalf("no button %q on screen: %q", text, screenLabels(root))
	}
	test.Tap(found)
}

// checkReportViews: the staff screen's report page (read from its labels,
// Fyne's test driver), the CSV the kiosk exports (written as cmd/kiosk
// writes it, with the catalogue) and the server's report (what `central
// report` prints) show the same figures, field by field, under the same
// titles.
func checkReportViews(t *testing.T, k *kiosk, sr app.DayReport, pin string) {
	t.Helper()
	tr := ui.MustCatalogue("it")
	m, err := app.NewStaffMode(k.store, newClock(day), app.StaffConfig{}, pinhash.Verify)
	if err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.KioskTheme())
	s := ui.NewStaffScreen(tr, reportStaffBackend{m: m, k: k}, ui.StaffOptions{Location: rome})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(1280, 800))
	s.Begin(nil)
	for _, d := range pin {
		tapScreen(t, s.Content(), string(d))
	}
	tapScreen(t, s.Content(), "Entra")
	tapScreen(t, s.Content(), "Report")
	labels := screenLabels(s.Content())

	nfig := len(app.ReportColumns)
	// screenRow finds the line whose first cell is first and returns its
	// figures.
	screenRow := func(first string) []string {
		for i, l := range labels {
			if l == first && i+nfig < len(labels) {
				return labels[i+1 : i+1+nfig]
			}
		}
		t.Fatalf("screen has no line %q: %q", first, labels)
		return nil
	}
	var buf bytes.Buffer
	kr, err := k.canteen.Report(day)
	if err != nil {
		t.Fatal(err)
	}
	if err := kr.WriteCSV(&buf, func(key string) string { return tr.T(key) }); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	cr.Comma, cr.FieldsPerRecord = ';', -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	csvRow := func(school, class string) []string {
		for _, r := range recs {
			if len(r) == 2+nfig && r[0] == school && r[1] == class {
				return r[2:]
			}
		}
		t.Fatalf("CSV has no row %q %q:\n%s", school, class, buf.String())
		return nil
	}
	if want := []string{tr.T("staff.report.csv.title"), string(day), "pranzo"}; strings.Join(recs[0], ";") != strings.Join(want, ";") {
		t.Errorf("CSV title %q, want %q", recs[0], want)
	}

	// Titles: the screen's and the CSV's name the same figures.
	head := screenRow(tr.T("staff.report.col.class"))
	for i, c := range app.ReportColumns {
		if head[i] != tr.T(c.ScreenKey) || recs[1][2+i] != tr.T(c.CSVKey) {
			t.Errorf("column %d: screen %q, CSV %q, want %q / %q", i, head[i], recs[1][2+i], tr.T(c.ScreenKey), tr.T(c.CSVKey))
		}
	}
	compare := func(name string, server app.ReportRow, screen, csv []string) {
		t.Helper()
		for i, f := range app.ReportFigures(server) {
			want := strconv.Itoa(f)
			if screen[i] != want || csv[i] != want {
				t.Errorf("%s, %s: screen %s, CSV %s, server %s", name, tr.T(app.ReportColumns[i].ScreenKey), screen[i], csv[i], want)
			}
		}
	}
	for _, r := range sr.Rows {
		compare(r.School+" "+r.Class, r, screenRow(r.Class+" · "+r.School), csvRow(r.School, r.Class))
	}
	compare("totals", sr.Totals, screenRow(tr.T("staff.report.total")), csvRow(tr.T("staff.report.csv.total"), ""))
	for _, d := range sr.Diets {
		line := tr.T("staff.report.diet_line", d.Name)
		got := labels[:0:0]
		for i, l := range labels {
			if l == line && i+2 < len(labels) {
				got = labels[i+1 : i+3]
			}
		}
		if len(got) != 2 || got[0] != strconv.Itoa(d.Booked) || got[1] != strconv.Itoa(d.Served) {
			t.Errorf("diet %s on screen %q, server booked %d served %d", d.Name, got, d.Booked, d.Served)
		}
	}
	if want := tr.T("staff.report.not_eaten", len(sr.NotEaten)); !strings.Contains(strings.Join(labels, "\n"), want) {
		t.Errorf("screen lacks %q: %q", want, labels)
	}
}
