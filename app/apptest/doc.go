// Package apptest holds in-memory fakes of the ports package app needs from
// the outside (its stores, the counter's central server, the kiosk program
// as staff actions see it, the clock), for the tests of app and its
// callers: a screen test builds the real use case (app.Canteen,
// app.Counter, app.StaffMode) over these fakes and taps it, without a bbolt
// file, PIN hashing or the reference server. It imports only the standard
// library and app's own packages, like app itself, and no program links it.
//
// The fakes keep the contracts app states for its ports (a failed Update
// changes nothing, sequence numbers are shared by meals and events, the
// surname index's order and cut, …); they do not sync: nothing in the
// outbox is ever answered.
package apptest
