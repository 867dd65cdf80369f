// Package assets holds the files MensaKiosk embeds in its binary: the
// translation catalogues (i18n.go) and, later, icons and demo data. Each kind
// of asset has its own file with its own //go:embed directive; this file only
// documents the package.
package assets
