package assets

import "embed"

// I18N holds the translation catalogues, one flat JSON object per language:
// i18n/<lang>.json, e.g. i18n/it.json. The format is described in
// ui/i18n.go (package ui).
//
//go:embed i18n/*.json
var I18N embed.FS
