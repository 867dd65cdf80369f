package app

// CompareClass exposes compareClass to the external tests (the search
// oracle orders namesakes by class).
var CompareClass = compareClass
