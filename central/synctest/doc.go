// Package synctest holds the tests of the whole sync path with real parts:
// kiosks with their bbolt stores, canteen rules and sync engine, talking
// through the resty client (and a fault-injecting proxy) to the reference
// server on loopback, on its own temp data directory. It also holds the
// sync benchmarks that `make bench` runs. It has no code of its own.
package synctest
