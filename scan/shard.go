package scan

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard selects one of Count disjoint parts of a domain list. Index counts
// from 0, like a Kubernetes Indexed Job's JOB_COMPLETION_INDEX. The zero
// Shard selects everything.
type Shard struct {
	Index, Count int
}

// ParseShard parses "I/N" with 0 <= I < N, such as "0/4" ... "3/4".
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want I/N, such as 0/4", s)
	}
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want I/N with whole numbers, such as 0/4", s)
	}
	if cnt < 1 || idx < 0 || idx >= cnt {
		return Shard{}, fmt.Errorf("shard %q: want 0 <= I < N (shards count from 0)", s)
	}
	return Shard{Index: idx, Count: cnt}, nil
}

// String returns "I/N", or "all" for the zero Shard.
func (s Shard) String() string {
	if s.Count <= 1 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Contains reports whether domain (in A-label form, as names.ParseDomain
// returns it) belongs to the shard: the 64-bit FNV-1a hash of the name,
// modulo Count, is Index. The hash is stable across runs, machines and
// versions, so N jobs over the same list split it exactly.
func (s Shard) Contains(domain string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(domain))
	return h.Sum64()%uint64(s.Count) == uint64(s.Index)
}

// ShardFromEnv builds shard I of count, I read from the environment
// variable name through getenv (os.LookupEnv fits): the index a Kubernetes
// Indexed Job (JOB_COMPLETION_INDEX), a Slurm array (SLURM_ARRAY_TASK_ID)
// or GNU parallel ({%} minus one, via a variable) gives each job, so that
// every job runs the same command line.
func ShardFromEnv(getenv func(string) (string, bool), name string, count int) (Shard, error) {
	v, ok := getenv(name)
	if !ok {
		return Shard{}, fmt.Errorf("shard index: the environment variable %s is not set", name)
	}
	if count < 1 {
		return Shard{}, fmt.Errorf("shard index from %s: the shard count must be at least 1, not %d", name, count)
	}
	idx, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return Shard{}, fmt.Errorf("shard index: %s=%q is not a whole number", name, v)
	}
	if idx < 0 || idx >= count {
		return Shard{}, fmt.Errorf("shard index: %s=%d, want 0 <= index < %d (shards count from 0)", name, idx, count)
	}
	return Shard{Index: idx, Count: count}, nil
}
