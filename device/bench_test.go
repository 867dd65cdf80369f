package device

import (
	"testing"

	"mensakiosk/app"
)

func benchmarkDecode(b *testing.B, format string, chunk int) {
	var stream []byte
	for i := range 100 {
		id := app.BadgeID("010063E9AE")
		if i%2 == 1 {
			id = "62E3086CED"
		}
		stream = append(stream, mustEncode(b, format, id)...)
	}
	d, err := NewDecoder(format)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	emit := func(f Frame) {
		if f.Accepted() {
			n++
		}
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(stream); i += chunk {
			d.Feed(stream[i:min(i+chunk, len(stream))], emit)
		}
	}
	if n != 100*b.N {
		b.Fatalf("%d ids, want %d", n, 100*b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/frame")
}

func BenchmarkDecodeRDM6300(b *testing.B)         { benchmarkDecode(b, "rdm6300", 256) }
func BenchmarkDecodeRDM6300Bytewise(b *testing.B) { benchmarkDecode(b, "rdm6300", 1) }
func BenchmarkDecodeID12(b *testing.B)            { benchmarkDecode(b, "id12", 256) }
func BenchmarkDecodeEM18(b *testing.B)            { benchmarkDecode(b, "em18", 12) }
func BenchmarkDecodeLine(b *testing.B)            { benchmarkDecode(b, "line", 256) }
