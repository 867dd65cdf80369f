package app

import (
	"testing"
	"time"
)

// The engine's behaviour against a server is tested with the real reference
// server in central/synctest; here only its pure parts.

func TestBackoffGrowsWithJitterWithinBounds(t *testing.T) {
	s := NewSyncer(nil, nil, SystemClock{}, SyncConfig{MinBackoff: time.Second, MaxBackoff: time.Minute}, nil)
	for fails := 1; fails <= 40; fails++ {
		want := time.Second << min(fails-1, 16)
		if want > time.Minute {
			want = time.Minute
		}
		seen := map[time.Duration]bool{}
		for range 50 {
			d := s.backoff(fails)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", fails, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Fatalf("backoff(%d) has no jitter: %v", fails, seen)
		}
	}
}

func TestSyncConfigDefaults(t *testing.T) {
	var c SyncConfig
	c.defaults()
	if c.Interval != 15*time.Second || c.PushBatch != 500 || c.PullLimit != 5000 || c.MaxBackoff != time.Minute {
		t.Fatalf("defaults %+v", c)
	}
	c = SyncConfig{PushBatch: 5000}
	c.defaults()
	if c.PushBatch != 500 {
		t.Fatalf("a batch over the protocol's limit was kept: %d", c.PushBatch)
	}
}

func TestSkewWarning(t *testing.T) {
	for d, want := range map[time.Duration]bool{0: false, 2 * time.Minute: false, 121 * time.Second: true, -3 * time.Minute: true} {
		if got := (SyncStatus{ClockSkew: d}).SkewWarning(); got != want {
			t.Errorf("skew %v: warning %v, want %v", d, got, want)
		}
	}
}

func TestCheckClock(t *testing.T) {
	newest := time.Date(2026, 3, 12, 12, 31, 0, 0, time.UTC)
	for _, tc := range []struct {
		now, newest time.Time
		behind      time.Duration
	}{
		{newest.Add(-72 * time.Hour), newest, 72 * time.Hour},
		{newest.Add(-MaxClockSkew - time.Second), newest, MaxClockSkew + time.Second},
		{newest.Add(-MaxClockSkew), newest, 0}, // within the skew allowed
		{newest.Add(time.Hour), newest, 0},
		{newest, time.Time{}, 0}, // nothing stored
	} {
		cb := CheckClock(tc.now, tc.newest)
		switch {
		case tc.behind == 0 && cb != nil:
			t.Errorf("now %s, newest %s: warned %+v", tc.now, tc.newest, cb)
		case tc.behind != 0 && (cb == nil || cb.By() != tc.behind || !cb.Now.Equal(tc.now)):
			t.Errorf("now %s, newest %s: %+v, want behind by %s", tc.now, tc.newest, cb, tc.behind)
		}
	}
}
