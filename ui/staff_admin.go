package ui

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The outbox, the reader, the settings, and quitting the kiosk.

func (s *StaffScreen) showOutbox() {
	sum, err := s.b.Outbox()
	box := container.NewVBox()
	if err != nil {
		box.Add(message(s.tr.T("staff.error", err.Error())))
	} else {
		st := sum.Sync
		state := s.tr.T("staff.outbox.offline")
		if st.Online {
			state = s.tr.T("staff.outbox.online")
		}
		box.Add(message(state))
		box.Add(message(s.tr.TN("sync.waiting", st.Waiting)))
		if !st.LastSync.IsZero() {
			box.Add(message(s.tr.T("staff.outbox.last_sync", FormatDateTime(st.LastSync.In(s.loc)))))
		}
		if st.LastError != "" {
			box.Add(message(s.tr.T("staff.outbox.last_error", st.LastError)))
		}
		box.Add(message(s.tr.T("staff.outbox.rejected", len(sum.Rejected))))
		for i, r := range sum.Rejected {
			if i == 5 {
				box.Add(message(s.tr.T("staff.outbox.rejected_more", len(sum.Rejected)-5)))
				break
			}
			reason := r.Reason
			if key, ok := rejectCodeKeys[r.Code]; ok {
				reason = s.tr.T(key) + " (" + r.Reason + ")"
			}
			box.Add(message(s.tr.T("staff.outbox.rejected_line", r.Seq, reason)))
		}
	}
	syncNow := s.button(s.tr.T("staff.outbox.sync"), theme.ViewRefreshIcon(), func() {
		text := s.tr.T("staff.outbox.sync_asked")
		if err := s.b.ForceSync(); err != nil {
			text = s.tr.T("staff.error", err.Error())
		}
		s.show("staff.outbox.title", container.NewVBox(message(text), s.button(s.tr.T("staff.outbox.refresh"), theme.ViewRefreshIcon(), s.showOutbox), s.backTo(s.showMenu)))
	})
	syncNow.Importance = widget.HighImportance
	s.show("staff.outbox.title", container.NewBorder(nil, container.NewGridWithColumns(2, syncNow, s.backTo(s.showMenu)), nil, nil, box))
}

var readerStateKeys = map[app.ReaderState]string{
	app.ReaderConnecting:   "staff.reader.connecting",
	app.ReaderConnected:    "staff.reader.connected",
	app.ReaderDisconnected: "staff.reader.disconnected",
	app.ReaderNone:         "staff.reader.none",
}

// readerFrames is the number of frames the reader page lists, newest
// first, one line each: with the state, the port, the error and the
// counts above them they fit a 1280×720 window.
const readerFrames = 6

func (s *StaffScreen) showReader() {
	info := s.b.Reader()
	// One line each, cut when long: a device path or a decoder's reason
	// wrapped over lines would push the page past the window.
	box := container.NewVBox(message(s.tr.T(readerStateKeys[info.Status.State])))
	if info.Status.Port != "" {
		box.Add(staffOneLine(s.tr.T("staff.reader.port", info.Status.Port)))
	}
	if info.Status.Err != "" {
		box.Add(staffOneLine(s.tr.T("staff.reader.error", info.Status.Err)))
	}
	box.Add(staffOneLine(s.tr.T("staff.reader.counts", int(info.Accepted), int(info.Rejected))))
	frames := info.Frames
	if len(frames) > readerFrames {
		frames = frames[len(frames)-readerFrames:]
	}
	for i := len(frames) - 1; i >= 0; i-- { // newest first
		f := frames[i]
		at := f.At.In(s.loc).Format("15:04:05")
		if f.Err != "" {
			box.Add(staffOneLine(s.tr.T("staff.reader.frame_rejected", at, f.Raw, f.Err)))
		} else {
			box.Add(staffOneLine(s.tr.T("staff.reader.frame_ok", at, string(f.Badge))))
		}
	}
	refresh := s.button(s.tr.T("staff.outbox.refresh"), theme.ViewRefreshIcon(), s.showReader)
	// Set dense: lines that are read, not touched.
	s.show("staff.reader.title", container.NewBorder(nil, container.NewGridWithColumns(2, refresh, s.backTo(s.showMenu)), nil, nil,
		container.NewThemeOverride(box, counterDenseTheme{})))
}

// settingsForm holds the settings page's entries.
type settingsForm struct {
	// page is the form's page, shown again after a field's keyboard.
	page                                        fyne.CanvasObject
	role                                        *widget.RadioGroup
	port, format, numbering, url, low, from, to *widget.Entry
	debounce, idle                              *widget.Entry
	// volume is the door's sounds' volume chosen (staff_settings_volume.go).
	volume *settingsVolume
	// errors is the outcome line: applied, or not and why (problems that
	// belong to no field of the form).
	errors *widget.Label
	// fieldErrors show each field's problem under it (app.Field* keys).
	fieldErrors map[string]*widget.Label
}

var settingsFieldKeys = map[string]string{
	app.FieldRole:            "staff.settings.role",
	app.FieldReaderPort:      "staff.settings.reader_port",
	app.FieldReaderFormat:    "staff.settings.reader_format",
	app.FieldReaderNumbering: "staff.settings.reader_numbering",
	app.FieldServerURL:       "staff.settings.server_url",
	app.FieldLowBalance:      "staff.settings.low_balance",
	app.FieldWindowStart:     "staff.settings.window_start",
	app.FieldWindowEnd:       "staff.settings.window_end",
	app.FieldDebounce:        "staff.settings.debounce",
	app.FieldIdleSeconds:     "staff.settings.idle_seconds",
	app.FieldSoundVolume:     "staff.settings.sound_volume",
}

var settingsProblemKeys = map[string]string{
	app.ProblemRequired:   "staff.settings.err.required",
	app.ProblemChoice:     "staff.settings.err.choice",
	app.ProblemURL:        "staff.settings.err.url",
	app.ProblemInsecure:   "staff.settings.err.insecure",
	app.ProblemRange:      "staff.settings.err.range",
	app.ProblemTime:       "staff.settings.err.time",
	app.ProblemOrder:      "staff.settings.err.order",
	app.ProblemDuration:   "staff.settings.err.duration",
	app.ProblemBadPort:    "staff.settings.err.bad_port",
	app.ProblemBadFormat:  "staff.settings.err.bad_format",
	app.ProblemBadSetting: "staff.settings.err.bad_setting",
}

// showSettings shows the settings page with the kiosk's settings.
func (s *StaffScreen) showSettings() {
	cur := s.b.Settings()
	f := &settingsForm{errors: message("")}
	s.settingsForm = f
	entry := func(v string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(v)
		e.OnChanged = func(string) { s.b.Touch() }
		return e
	}
	roles := map[string]string{s.tr.T("staff.settings.role_canteen"): app.RoleCanteen, s.tr.T("staff.settings.role_counter"): app.RoleCounter}
	f.role = widget.NewRadioGroup([]string{s.tr.T("staff.settings.role_canteen"), s.tr.T("staff.settings.role_counter")}, func(string) { s.b.Touch() })
	f.role.Horizontal = true
	for label, code := range roles {
		if code == cur.Role {
			f.role.SetSelected(label)
		}
	}
	f.port, f.format, f.numbering, f.url = entry(cur.ReaderPort), entry(cur.ReaderFormat), entry(cur.ReaderNumbering), entry(cur.ServerURL)
	f.low = entry(formatEuro(cur.LowBalanceCents))
	f.from, f.to, f.debounce, f.idle = entry(cur.WindowStart), entry(cur.WindowEnd), entry(cur.Debounce), entry(strconv.Itoa(cur.IdleSeconds))
	f.volume = s.newSettingsVolume(cur.SoundVolume) // staff_settings_volume.go
	// touchable is an entry that opens the on-screen keyboard: the kiosk
	// has no keyboard, and a touch must never give the entry's cursor.
	touchable := func(field string, en *widget.Entry) fyne.CanvasObject {
		return container.NewStack(en, newCounterTapZone(canvas.NewRectangle(colorTransparent), func() {
			s.b.Touch()
			s.editSetting(field, en)
		}))
	}
	// Each row: its name, the fields whose problems show under it, and
	// what is touched. The service's start and end share a row, so that
	// the volume makes no sixth row: five rows is what the kiosk's 720
	// pixels hold with the problems under them.
	type settingsRow struct {
		key    string
		fields []string
		w      fyne.CanvasObject
	}
	one := func(field string, en *widget.Entry) settingsRow {
		return settingsRow{settingsFieldKeys[field], []string{field}, touchable(field, en)}
	}
	// The service's row goes under the role's choice, whose width it fits;
	// the second column's narrowest field is then the volume's, in the
	// middle of the column so that its list opens whole above the buttons.
	rows := [2][]settingsRow{{
		{settingsFieldKeys[app.FieldRole], []string{app.FieldRole}, f.role},
		one(app.FieldReaderPort, f.port), one(app.FieldReaderFormat, f.format), one(app.FieldReaderNumbering, f.numbering),
		{"staff.settings.window", []string{app.FieldWindowStart, app.FieldWindowEnd},
			container.NewGridWithColumns(2, touchable(app.FieldWindowStart, f.from), touchable(app.FieldWindowEnd, f.to))},
	}, {
		one(app.FieldServerURL, f.url), one(app.FieldLowBalance, f.low),
		{settingsFieldKeys[app.FieldSoundVolume], nil, f.volume.sel},
		one(app.FieldDebounce, f.debounce), one(app.FieldIdleSeconds, f.idle),
	}}
	// Two columns of five rows, each field's problem on one line under
	// its row: the rows one under the other do not fit the kiosk's height.
	f.fieldErrors = map[string]*widget.Label{}
	var cols [2]*fyne.Container
	for half := range 2 {
		cols[half] = container.NewVBox()
		var labels []*widget.Label
		var labelW float32
		for _, r := range rows[half] {
			l := widget.NewLabel(s.tr.T(r.key))
			labels = append(labels, l)
			labelW = max(labelW, l.MinSize().Width)
		}
		for i, r := range rows[half] {
			// The row's name whole on the left, as wide as the column's
			// longest; its fields' problems on one line each under both,
			// cut if long.
			var errs []fyne.CanvasObject
			for _, field := range r.fields {
				e := staffRowLabel(SizeNameSmall, "")
				e.Importance = widget.DangerImportance
				e.Hide()
				f.fieldErrors[field] = e
				errs = append(errs, e)
			}
			if len(errs) == 0 { // a choice has no problem line, but the same spacing as its neighbours
				e := staffRowLabel(SizeNameSmall, "")
				e.Hide()
				errs = append(errs, e)
			}
			under := counterDense(errs...)
			name := container.NewGridWrap(fyne.NewSize(labelW, labels[i].MinSize().Height), labels[i])
			cols[half].Add(container.NewBorder(nil, under, container.NewVBox(name), nil, r.w))
		}
	}
	// The first column (with the role's choice) as wide as it needs, the
	// second the rest.
	columns := container.NewBorder(nil, nil, cols[0], nil, cols[1])
	f.errors.Wrapping, f.errors.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	apply := s.button(s.tr.T("staff.settings.apply"), theme.ConfirmIcon(), func() {
		next := app.KioskSettings{Role: roles[f.role.Selected], ReaderPort: strings.TrimSpace(f.port.Text), ReaderFormat: strings.TrimSpace(f.format.Text),
			ReaderNumbering: strings.TrimSpace(f.numbering.Text), ServerURL: strings.TrimSpace(f.url.Text),
			WindowStart: strings.TrimSpace(f.from.Text), WindowEnd: strings.TrimSpace(f.to.Text), Debounce: strings.TrimSpace(f.debounce.Text)}
		for _, e := range f.fieldErrors {
			setText(e, "")
		}
		var problems []app.FieldError
		low, ok := parseEuro(f.low.Text)
		if !ok {
			problems = append(problems, app.FieldError{Field: app.FieldLowBalance, Problem: app.ProblemRange})
		}
		next.LowBalanceCents = low
		idle, err := strconv.Atoi(strings.TrimSpace(f.idle.Text))
		if err != nil {
			problems = append(problems, app.FieldError{Field: app.FieldIdleSeconds, Problem: app.ProblemRange})
		}
		next.IdleSeconds = idle
		next.SoundVolume = f.volume.value()
		var other []string
		if len(problems) == 0 {
			err := s.b.ApplySettings(next)
			if se, ok := app.AsSettingsError(err); ok {
				problems = se.Fields
			} else if err != nil {
				other = append(other, s.tr.T("staff.error", err.Error()))
			}
		}
		for _, p := range problems {
			if e, ok := f.fieldErrors[p.Field]; ok && e.Text == "" {
				setText(e, s.tr.T(problemKey(p.Problem)))
			} else {
				other = append(other, s.fieldProblem(p.Field, p.Problem))
			}
		}
		if len(problems)+len(other) > 0 {
			text := s.tr.T("staff.settings.not_applied_fields")
			if len(other) > 0 {
				text = s.tr.T("staff.settings.not_applied") + " " + strings.Join(other, "; ")
			}
			setText(f.errors, text)
			return
		}
		setText(f.errors, s.tr.T("staff.settings.applied"))
	})
	apply.Importance = widget.HighImportance
	f.page = container.NewBorder(nil, container.NewVBox(f.errors, container.NewGridWithColumns(2, apply, s.backTo(s.showMenu))), nil, nil, columns)
	s.show("staff.settings.title", f.page)
}

// settingsKeys are the keys of the settings' keyboard besides letters and
// digits: what addresses, device paths, times, durations and amounts are
// written with.
const settingsKeys = ":/.-_,@?=&~"

// settingsNumeric are the fields typed on the digits alone (with their
// separator).
var settingsNumeric = map[string]string{
	app.FieldLowBalance: ",", app.FieldWindowStart: ":", app.FieldWindowEnd: ":", app.FieldIdleSeconds: "",
}

// editSetting shows the on-screen keyboard for one field of the settings
// form: the value being typed, big, over the keys; "OK" puts it in the
// field and goes back to the form, which keeps what else was changed.
func (s *StaffScreen) editSetting(field string, e *widget.Entry) {
	f := s.settingsForm
	value := e.Text
	shift := false
	var render func()
	render = func() {
		typed := newLabel(SizeNameResultText, true)
		typed.Wrapping, typed.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
		typed.SetText(value + "_")
		typeKey := func(k string) func() {
			return func() {
				if len(value) < 200 {
					value += k
				}
				render()
			}
		}
		var rows []fyne.CanvasObject
		var keys fyne.CanvasObject
		if sep, numeric := settingsNumeric[field]; numeric {
			// A keypad as the PIN's: 1 to 9, the separator, 0.
			pad := container.NewGridWithColumns(3)
			for i := 1; i <= 9; i++ {
				d := string(rune('0' + i))
				pad.Add(s.button(d, nil, typeKey(d)))
			}
			if sep != "" {
				pad.Add(s.button(sep, nil, typeKey(sep)))
			} else {
				pad.Add(layout.NewSpacer())
			}
			pad.Add(s.button("0", nil, typeKey("0")))
			keys = container.NewCenter(container.NewGridWrap(fyne.NewSize(480, 4*80+24), pad))
		} else {
			digits := container.NewGridWithColumns(10)
			for i := range 10 {
				d := string(rune('0' + (i+1)%10))
				digits.Add(s.button(d, nil, typeKey(d)))
			}
			rows = append(rows, digits)
			for _, row := range keyboardRows {
				line := container.NewGridWithColumns(10)
				for _, r := range s.tr.T(row) {
					ch := strings.ToLower(string(r))
					if shift {
						ch = strings.ToUpper(ch)
					}
					line.Add(s.button(ch, nil, typeKey(ch)))
				}
				rows = append(rows, line)
			}
			syms := container.NewGridWithColumns(len(settingsKeys) + 1)
			sh := s.button("⇧", nil, func() { shift = !shift; render() })
			if shift {
				sh.Importance = widget.HighImportance
			}
			syms.Add(sh)
			for _, r := range settingsKeys {
				syms.Add(s.button(string(r), nil, typeKey(string(r))))
			}
			rows = append(rows, syms)
			keys = container.NewGridWithRows(len(rows), rows...)
		}
		del := s.button(s.tr.T("staff.manual.delete"), theme.ContentUndoIcon(), func() {
			if value != "" {
				_, n := utf8.DecodeLastRuneInString(value)
				value = value[:len(value)-n]
			}
			render()
		})
		clear := s.button(s.tr.T("staff.pin.clear"), theme.ContentClearIcon(), func() { value = ""; render() })
		cancel := s.button(s.tr.T("staff.pin.cancel"), theme.CancelIcon(), func() { s.show("staff.settings.title", f.page) })
		ok := s.button(s.tr.T("staff.settings.keyboard_done"), theme.ConfirmIcon(), func() {
			e.SetText(value)
			s.show("staff.settings.title", f.page)
		})
		ok.Importance = widget.HighImportance
		bottom := container.NewGridWithColumns(4, del, clear, cancel, ok)
		s.show("staff.settings.keyboard_title", container.NewBorder(typed, bottom, nil, nil, keys), s.tr.T(settingsFieldKeys[field]))
	}
	render()
}

// problemKey is the catalogue key of an app.Problem*.
func problemKey(problem string) string {
	if pk, ok := settingsProblemKeys[problem]; ok {
		return pk
	}
	return "staff.settings.err.bad_setting"
}

// fieldProblem is one translated problem line: "Field: problem".
func (s *StaffScreen) fieldProblem(field, problem string) string {
	label, ok := settingsFieldKeys[field]
	if !ok {
		label = "staff.settings.field_other"
	}
	return s.tr.T("staff.settings.problem", s.tr.T(label), s.tr.T(problemKey(problem)))
}

// formatEuro shows cents as euros with a decimal comma, for editing: 1000
// → "10,00".
func formatEuro(c int64) string {
	return strings.TrimSuffix(FormatCents(app.Cents(c)), " €")
}

// parseEuro reads "10", "10,5", "10,50" or "10.50" as cents.
func parseEuro(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€")), ".", ",")
	if strings.Count(s, ",") > 1 {
		// thousands dots: "1.000,00"
		i := strings.LastIndex(s, ",")
		s = strings.ReplaceAll(s[:i], ",", "") + s[i:]
	}
	whole, frac, _ := strings.Cut(s, ",")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	e, err1 := strconv.ParseInt(whole, 10, 64)
	c, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || e < 0 || e > 1_000_000 {
		return 0, false
	}
	return e*100 + c, true
}

func (s *StaffScreen) showQuit() {
	quit := s.button(s.tr.T("staff.quit.confirm"), theme.LogoutIcon(), func() { s.b.Quit() })
	quit.Importance = widget.DangerImportance
	s.show("staff.quit.title", container.NewVBox(message(s.tr.T("staff.quit.prompt")), container.NewGridWithColumns(2, quit, s.backTo(s.showMenu))))
}

// rejectCodeKeys: the rejections the server names by a code, in the
// staff's words.
var rejectCodeKeys = map[string]string{
	app.RejectVoidOtherKiosk:   "staff.outbox.reject.void_other_kiosk",
	app.RejectVoidUnknownStaff: "staff.outbox.reject.void_unknown_staff",
	app.RejectVoidNotAllowed:   "staff.outbox.reject.void_not_allowed",
	app.RejectWrongRole:        "staff.outbox.reject.wrong_role",
}
