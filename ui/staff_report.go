package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"mensakiosk/app"
)

// The day's report: booked against served by class, by diet, who has not
// eaten yet; exported as CSV to a directory staff choose (a USB stick).

// reportRows is the number of table lines a report page shows.
const reportRows = 7

// reportLine is one line of the report's tables, as cells.
type reportLine []string

func (s *StaffScreen) reportLines(r app.DayReport) []reportLine {
	n := strconv.Itoa
	row := func(x app.ReportRow) reportLine {
		return reportLine{x.School + " " + x.Class, n(x.Booked), n(x.Served), n(x.Cancelled), n(x.ServedUnbooked), n(x.Bland), n(x.Diet)}
	}
	lines := []reportLine{{s.tr.T("staff.report.col.class"), s.tr.T("staff.report.col.booked"), s.tr.T("staff.report.col.served"),
		s.tr.T("staff.report.col.cancelled"), s.tr.T("staff.report.col.unbooked"), s.tr.T("staff.report.col.bland"), s.tr.T("staff.report.col.diet")}}
	for _, x := range r.Rows {
		lines = append(lines, row(x))
	}
	tot := row(r.Totals)
	tot[0] = s.tr.T("staff.report.total")
	lines = append(lines, tot)
	for _, d := range r.Diets {
		lines = append(lines, reportLine{s.tr.T("staff.report.diet_line", d.Name), n(d.Booked), n(d.Served)})
	}
	if len(r.NotEaten) > 0 {
		lines = append(lines, reportLine{s.tr.T("staff.report.not_eaten", len(r.NotEaten))})
	}
	for _, p := range r.NotEaten {
		lines = append(lines, reportLine{p.LastName + " " + p.FirstName, p.Class, p.School})
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
	table := container.NewVBox(s.lineRow(head, true))
	for _, l := range body[min(page*reportRows, len(body)):min((page+1)*reportRows, len(body))] {
		table.Add(s.lineRow(l, false))
	}
	export := s.button(s.tr.T("staff.report.export"), theme.DocumentSaveIcon(), s.showExport)
	bottom := container.NewVBox(s.pageNav(page, len(body), reportRows, s.showReport), container.NewGridWithColumns(2, export, s.backTo(s.showMenu)))
	s.show("staff.report.title_day", container.NewBorder(nil, bottom, nil, nil, table), FormatDay(r.Day))
}

// lineRow lays out a line: the first cell wide, the numbers in columns.
func (s *StaffScreen) lineRow(l reportLine, bold bool) fyne.CanvasObject {
	first := newLabel(SizeNameNote, bold)
	setText(first, l[0])
	nums := container.NewGridWithColumns(6)
	for _, c := range l[1:] {
		lb := newLabel(SizeNameNote, bold)
		setText(lb, c)
		nums.Add(lb)
	}
	return container.NewGridWithColumns(2, first, nums)
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
		box.Add(s.button(d, theme.FolderIcon(), func() {
			path, err := s.b.ExportCSV(d)
			text := s.tr.T("staff.export.done", path)
			if err != nil {
				text = s.tr.T("staff.export.failed", err.Error())
			}
			s.show("staff.export.title", container.NewVBox(message(text), s.backTo(func() { s.showReport(0) })))
		}))
	}
	box.Add(s.backTo(func() { s.showReport(0) }))
	s.show("staff.export.title", box)
}
