package synctest

import (
	"testing"

	"mensakiosk/internal/pgtest"
)

// Some tests run on PostgreSQL (a throwaway cluster, started only if one
// asks: internal/pgtest).
func TestMain(m *testing.M) { pgtest.Main(m) }
