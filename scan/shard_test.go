package scan

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
	}{{"0/1", Shard{0, 1}}, {"0/4", Shard{0, 4}}, {" 3/4 ", Shard{3, 4}}} {
		got, err := ParseShard(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "1", "4/4", "-1/4", "1/0", "a/b", "1/2/3", "1.5/4"} {
		if got, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) = %v, want an error", in, got)
		}
	}
}

// TestShardPartition checks that every domain lands in exactly one shard,
// for several shard counts, and that the shards are roughly even.
func TestShardPartition(t *testing.T) {
	const n = 20000
	domains := make([]string, n)
	for i := range domains {
		domains[i] = fmt.Sprintf("d%d.example", i)
	}
	for _, count := range []int{1, 2, 3, 7, 16} {
		sizes := make([]int, count)
		for _, d := range domains {
			in := 0
			for i := range count {
				if (Shard{Index: i, Count: count}).Contains(d) {
					in++
					sizes[i]++
				}
			}
			if in != 1 {
				t.Fatalf("N=%d: %s is in %d shards", count, d, in)
			}
		}
		for i, s := range sizes {
			if exp := n / count; s < exp*8/10 || s > exp*12/10 {
				t.Errorf("N=%d: shard %d has %d domains, expected about %d", count, i, s, exp)
			}
		}
	}
	// Stable across runs and machines: pinned values of FNV-1a.
	if got := shardOf("example.org", 1000); got != pinnedShard {
		t.Errorf("example.org is in shard %d of 1000, was %d: the hash changed, so existing shard splits would break", got, pinnedShard)
	}
	if (Shard{}).String() != "all" || (Shard{Index: 2, Count: 8}).String() != "2/8" {
		t.Error("String")
	}
}

// pinnedShard is the shard of "example.org" among 1000 by 64-bit FNV-1a,
// computed independently (offset basis 0xcbf29ce484222325, prime
// 0x100000001b3, hash modulo 1000).
const pinnedShard = 841

func shardOf(d string, n int) int {
	for i := range n {
		if (Shard{Index: i, Count: n}).Contains(d) {
			return i
		}
	}
	return -1
}

func TestShardFromEnv(t *testing.T) {
	env := map[string]string{"JOB_COMPLETION_INDEX": "3", "BAD": "x", "BIG": "8", "NEG": "-1", "SPACE": " 2\n"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cases := []struct {
		name  string
		count int
		want  Shard
		err   string
	}{
		{"JOB_COMPLETION_INDEX", 8, Shard{Index: 3, Count: 8}, ""},
		{"SPACE", 4, Shard{Index: 2, Count: 4}, ""},
		{"UNSET", 8, Shard{}, "UNSET is not set"},
		{"BAD", 8, Shard{}, `BAD="x" is not a whole number`},
		{"BIG", 8, Shard{}, "BIG=8, want 0 <= index < 8"},
		{"NEG", 8, Shard{}, "NEG=-1"},
		{"JOB_COMPLETION_INDEX", 0, Shard{}, "at least 1"},
	}
	for _, c := range cases {
		got, err := ShardFromEnv(getenv, c.name, c.count)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%s/%d: %v, %v; want %v", c.name, c.count, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s/%d: error %v, want one with %q", c.name, c.count, err, c.err)
		}
	}
}
