//go:build !no_emoji

package main

// emojiFont: this kiosk was built without the no_emoji tag (a plain go
// build), so Fyne parses its emoji font with every style and scope
// (emojifont.go): about 8 MiB more heap. The start-up log says so.
const emojiFont = "bundled: build with -tags no_emoji (make build) for about 8 MiB less memory"
