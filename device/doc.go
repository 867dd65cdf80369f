// Package device reads badge readers on a serial port: the port behind a
// small interface, streaming frame decoders, the mapping of a reader's
// numbering to the canonical badge id, and a Supervisor that keeps a reader
// connected. It also makes virtual readers out of Linux pseudo-terminals for
// the demo, the tests and cmd/badgetool.
//
// # Formats
//
// A format is named in the configuration as ParseFormat reads it:
//
//	rdm6300  STX, 10 hex digits, 2 hex digits XOR, ETX (14 bytes): RDM6300/RDM630 and
//	         other EM4100 125 kHz modules. Tag 62E3086CED is 02 "62E3086CED" "08" 03.
//	id12     STX, 10 hex, 2 hex XOR, CR, LF, ETX (16 bytes): ID Innovations ID-12/ID-20, ASCII mode.
//	em18     10 hex, 2 hex XOR, nothing else (12 bytes): EM-18.
//	line     an id as text ended by CR and/or LF, no check: USB-CDC readers,
//	         Wiegand-to-serial converters. Options after a colon:
//	         line:base=hex|dec,width=N,max=N
//	           base   hex (default) or dec
//	           width  id length in bytes. dec: required range 1..8, default 5; the
//	                  number is written as 2*width hex digits ("0006547886",
//	                  width=5 → 000063E9AE). hex: 0 (default) keeps what the reader
//	                  sends (padded to an even number of digits), N pads to N bytes.
//	           max    longest line in characters (default 32)
//
// The checksum of the framed formats is the XOR of the 5 data bytes. The
// canonical id of an EM4100 frame is its 10 data digits upper-cased
// (app.BadgeID "010063E9AE"). Decoders are fed whatever chunks Read returns,
// down to one byte. rdm6300 and id12 resynchronise on STX (which never occurs
// inside a frame); em18, which has no delimiter, accepts the last 12 hex
// digits since a non-hex byte whenever their checksum matches, sliding by one
// digit otherwise, and restarts after a non-hex byte or an idle line. A frame
// with a wrong length, a non-hex digit or a wrong checksum is rejected, never
// turned into an id. Every frame, accepted or rejected (with a reason), is
// reported with its bytes and stream offset, for the staff diagnostics.
// Decoders do not debounce: an RDM6300 repeating its frame every 50 ms while
// the tag stays in the field yields the id each time; the app debounces.
// Format.Encode (and Encode) produce the frames a reader sends, for
// badgetool play, the demo reader and the tests.
//
// # Numbering
//
// A card carries several printed numbers; the kiosk stores one canonical form,
// upper-case hex (app.BadgeID), and Config.Numbering says which bytes of what
// the decoder produced identify a card, to match the numbering the Comune's
// badge list was keyed by. The mapping runs after the decoder, on every id:
//
//	hex        (default) the decoder's bytes as they are: 010063E9AE
//	dec10      the last 4 bytes, which the "10-digit decimal" printed on EM cards
//	           encodes: 010063E9AE → 0063E9AE, printed 0006547886
//	wiegand26  the last 3 bytes, which a Wiegand-26 facility,card pair encodes:
//	           010063E9AE → 63E9AE, printed 099,59822
//	reversed   the bytes in reverse order (MIFARE UIDs some readers send
//	           least significant byte first)
//
// So the stored id is always hex, never a decimal string: a roster keyed by
// the printed 10-digit decimal is imported with Numbering.ParseKey (ParseDec10:
// "0006547886" → 0063E9AE) and a kiosk configured with dec10 maps an RDM6300's
// 010063E9AE to the same 0063E9AE. A line reader that sends the 10-digit
// decimal itself is configured "line:base=dec,width=4" (or width=5 with dec10:
// the result is the same). The version byte is lost in dec10 and wiegand26,
// as it is on the printed numbers. Numbering.Print shows an id the way the
// Comune's staff reads it.
//
// # Supervisor
//
// Start(ctx, Config{Path, Baud, Format, Numbering}) opens the port by its
// stable path (/dev/serial/by-id/..., or a symlink), reads it in a goroutine
// and sends each accepted id, with the time its last byte was read, on
// Taps(). Status() and the Config.OnState callback report the state
// (connecting, connected, disconnected with the error, stopped); Frames()
// returns the last frames received, accepted and rejected. When the device
// goes away (a read error; or an idle read while the path no longer leads to
// the node that was opened; or reads that return at once, hung up), the
// supervisor closes the port and reopens the path with a backoff from 200 ms
// to 2 s, without restarting the app. The port is closed only by the reading
// goroutine, between reads (tarm/serial's Close blocks during a Read), so
// Stop returns within one read timeout and leaves no goroutine behind.
// Bytes are decoded as soon as Read returns them: the 100 ms read timeout
// only bounds how long an idle read waits.
//
// The serial library is github.com/tarm/serial behind the Port interface
// (TarmOpener); a Config.Opener can substitute another one.
//
// # Virtual readers
//
// OpenPTY (Linux) creates a raw pseudo-terminal pair; VirtualReader wraps one
// with a stable symlink and Send(id) to write valid frames into the master
// while the Supervisor reads the slave with the same code that reads a USB
// reader. Unplug closes the master (the slave node vanishes), Plug makes a
// new pair and re-points the symlink.
package device
