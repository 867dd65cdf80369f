package ui

import (
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The day's report: booked against served by class, by diet, who has not
// eaten yet; exported as CSV to a directory staff choose (a USB stick).

// reportRows is the number of table lines a report page shows: one line
// each, so that a page fits the kiosk's window with its pager.
const reportRows = 9

// reportLine is one line of the report's tables: a first cell, cut with
// an ellipsis when too long, and figures in the columns of the header.
// A line without figures (a section title, a pupil who has not eaten)
// takes the whole width.
type reportLine struct {
	cells []string
	bold  bool
}

func (s *StaffScreen) reportLines(r app.DayReport) []reportLine {
	n := strconv.Itoa
	// The figures are app.ReportColumns, as in the CSV and the server's
	// report: bland meals and diets both booked (what to cook) and served.
	row := func(x app.ReportRow) reportLine {
		// The class first: a long school's name is cut, the class must show.
		l := reportLine{cells: []string{x.Class + " · " + x.School}}
		for _, f := range app.ReportFigures(x) {
			l.cells = append(l.cells, n(f))
		}
		return l
	}
	head := reportLine{bold: true, cells: []string{s.tr.T("staff.report.col.class")}}
	for _, c := range app.ReportColumns {
		head.cells = append(head.cells, s.tr.T(c.ScreenKey))
	}
	lines := []reportLine{head}
	for _, x := range r.Rows {
		lines = append(lines, row(x))
	}
	tot := row(r.Totals)
	tot.cells[0], tot.bold = s.tr.T("staff.report.total"), true
	lines = append(lines, tot)
	for _, d := range r.Diets {
		lines = append(lines, reportLine{cells: []string{s.tr.T("staff.report.diet_line", d.Name), n(d.Booked), n(d.Served)}})
	}
	if len(r.NotEaten) > 0 {
		lines = append(lines, reportLine{bold: true, cells: []string{s.tr.T("staff.report.not_eaten", len(r.NotEaten))}})
	}
	for _, p := range r.NotEaten {
		lines = append(lines, reportLine{cells: []string{strings.Join([]string{p.LastName + " " + p.FirstName, p.Class, p.School}, " · ")}})
	}
	return lines
}

func (s *StaffScreen) showReport(page int) {
	r, err := s.b.Report()
	if err != nil {
		s.show("staff.report.title", container.NewVBox(message(s.tr.T("staff.error", err.Error())), s.backTo(s.showMenu)))
		return
	}
	lines := s.reportLines(r)
	head, body := lines[0], lines[1:]
	page = clampPage(page, len(body), reportRows)
	cols := &reportColumns{figure: s.figureWidth(head.cells[1:])}
	table := []fyne.CanvasObject{s.headRow(head, cols)}
	for _, l := range body[min(page*reportRows, len(body)):min((page+1)*reportRows, len(body))] {
		table = append(table, s.lineRow(l, cols))
	}
	export := s.button(s.tr.T("staff.report.export"), theme.DocumentSaveIcon(), s.showExport)
	bottom := container.NewVBox(s.pageNav(page, len(body), reportRows, s.showReport), container.NewGridWithColumns(2, export, s.backTo(s.showMenu)))
	s.show("staff.report.title_day", container.NewBorder(nil, bottom, nil, nil, counterDense(table...)), FormatDay(r.Day))
}

// figureWidth is the width of a figures' column: the longest word of the
// column titles, which wrap word by word, in small text.
func (s *StaffScreen) figureWidth(titles []string) float32 {
	w := fyne.MeasureText("0000", theme.TextSize(), fyne.TextStyle{Bold: true}).Width
	size := theme.Size(SizeNameSmall)
	for _, t := range titles {
		for _, word := range strings.Fields(t) {
			w = max(w, fyne.MeasureText(word, size, fyne.TextStyle{Bold: true}).Width)
		}
	}
	return w + 2*counterDenseTheme{}.Size(theme.SizeNameInnerPadding) + 2
}

// headRow is the table's titles: the figures' titles wrap in their columns.
func (s *StaffScreen) headRow(l reportLine, cols *reportColumns) fyne.CanvasObject {
	objs := []fyne.CanvasObject{reportCell(l.cells[0], theme.SizeNameText, true, fyne.TextAlignLeading)}
	for _, c := range l.cells[1:] {
		t := reportCell(c, SizeNameSmall, true, fyne.TextAlignTrailing)
		t.Wrapping, t.Truncation = fyne.TextWrapWord, fyne.TextTruncateOff
		objs = append(objs, t)
	}
	return container.New(cols, objs...)
}

// lineRow lays out a line on one line: the first cell takes the width the
// figures leave it, the figures line up under their titles.
func (s *StaffScreen) lineRow(l reportLine, cols *reportColumns) fyne.CanvasObject {
	objs := []fyne.CanvasObject{reportCell(l.cells[0], theme.SizeNameText, l.bold, fyne.TextAlignLeading)}
	if len(l.cells) == 1 {
		return objs[0]
	}
	for _, c := range l.cells[1:] {
		objs = append(objs, reportCell(c, theme.SizeNameText, l.bold, fyne.TextAlignTrailing))
	}
	return container.New(cols, objs...)
}

func reportCell(text string, size fyne.ThemeSizeName, bold bool, align fyne.TextAlign) *widget.Label {
	l := staffRowLabel(size, text)
	l.TextStyle.Bold = bold
	l.Alignment = align
	return l
}

// reportColumns lays out a report line: the first object takes the width
// left by the others, which are figure wide each, from the left after it.
type reportColumns struct{ figure float32 }

func (c *reportColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	var h float32
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	w := objs[0].MinSize().Width + float32(len(app.ReportColumns))*(c.figure+pad)
	return fyne.NewSize(w, h)
}

func (c *reportColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	first := max(0, size.Width-float32(len(app.ReportColumns))*(c.figure+pad))
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(first, size.Height))
	x := first + pad
	for _, o := range objs[1:] {
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(c.figure, size.Height))
		x += c.figure + pad
	}
}

// FormatDay shows a Day as dd/mm/yyyy.
func FormatDay(d app.Day) string {
	if len(d) != 10 {
		return string(d)
	}
	return string(d[8:10]) + "/" + string(d[5:7]) + "/" + string(d[0:4])
}

func (s *StaffScreen) showExport() {
	box := container.NewVBox(message(s.tr.T("staff.export.prompt")))
	dirs := s.b.CandidateDirs()
	if len(dirs) == 0 {
		box.Add(message(s.tr.T("staff.export.none")))
	}
	for i, d := range dirs {
		if i == 6 {
			break
		}
		// The folder's name on top, the whole path below: a USB stick's
		// path is long and its end is what tells sticks apart.
		box.Add(s.row(theme.FolderIcon(), func() {
			path, err := s.b.ExportCSV(d)
			text := s.tr.T("staff.export.done", path)
			if err != nil {
				text = s.tr.T("staff.export.failed", err.Error())
			}
			s.show("staff.export.title", container.NewVBox(message(text), s.backTo(func() { s.showReport(0) })))
		}, filepath.Base(d), d))
	}
	box.Add(s.backTo(func() { s.showReport(0) }))
	s.show("staff.export.title", box)
}
