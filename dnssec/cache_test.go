package dnssec

import (
	"fmt"
	"testing"
	"time"
)

func TestLRU(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newLRU[int](3)
	for i := 0; i < 5; i++ {
		c.put(fmt.Sprint(i), i, now.Add(time.Minute))
	}
	if c.len() != 3 {
		t.Fatalf("size %d, want the bound 3", c.len())
	}
	if _, ok := c.get("0", now); ok {
		t.Error("oldest entry not evicted")
	}
	if v, ok := c.get("4", now); !ok || v != 4 {
		t.Error("newest entry missing")
	}
	c.get("2", now) // 2 becomes most recent; 3 is now the oldest
	c.put("5", 5, now.Add(time.Minute))
	if _, ok := c.get("3", now); ok {
		t.Error("least recently used entry not evicted")
	}
	if _, ok := c.get("2", now.Add(time.Minute)); ok {
		t.Error("expired entry returned")
	}
}
