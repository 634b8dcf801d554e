package dnssec

// Weakest returns the weakest of the statuses, in the order
// Bogus < Indeterminate < Insecure < Secure: the status of an answer that
// rests on all of them, as a chain of trust is as strong as its weakest
// link (RFC 4035 §5). With no status it returns Indeterminate. It is the
// one status order of daneprobe; every package that combines statuses
// uses it.
func Weakest(statuses ...Security) Security {
	if len(statuses) == 0 {
		return Indeterminate
	}
	w := statuses[0]
	for _, s := range statuses[1:] {
		if strength(s) < strength(w) {
			w = s
		}
	}
	return w
}

func strength(s Security) int {
	switch s {
	case Secure:
		return 3
	case Insecure:
		return 2
	case Indeterminate:
		return 1
	}
	return 0 // Bogus, and anything unknown
}
